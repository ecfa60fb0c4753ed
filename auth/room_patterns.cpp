#include "auth/room_patterns.hpp"

#include "core/event.hpp"

namespace flux::auth {

bool valid_pattern(std::string_view pattern) {
  if (pattern == "*")
    return true;
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*")
    pattern.remove_suffix(2);
  return valid_room_name(std::string{pattern});
}

bool matches(std::string_view pattern, std::string_view room) {
  if (pattern == "*")
    return true;
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") {
    auto prefix = pattern.substr(0, pattern.size() - 1); // keeps the dot
    return room.size() > prefix.size() && room.substr(0, prefix.size()) == prefix;
  }
  return pattern == room;
}

bool room_patterns::covers(std::string_view room) const {
  for (auto& p : list_)
    if (matches(p, room))
      return true;
  return false;
}

} // namespace flux::auth
