#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Room patterns, as a token's `rooms` and `ingest` claims and
// auth.anonymous-rooms list them (docs/auth.md): `*` is every room,
// `prefix.*` every room whose name starts with `prefix.` (at any depth:
// `crypto.*` covers `crypto.ticker` and `crypto.ticker.btc`, not `crypto`),
// anything else one room by its exact name.
namespace flux::auth {

// A token listing more is refused: matching stays cheap per subscribe.
constexpr size_t max_patterns = 256;

bool valid_pattern(std::string_view pattern);
bool matches(std::string_view pattern, std::string_view room);

class room_patterns {
public:
  room_patterns() = default;
  explicit room_patterns(std::vector<std::string> patterns)
    : list_(std::move(patterns)) {
  }

  bool covers(std::string_view room) const;
  bool empty() const { return list_.empty(); }
  const std::vector<std::string>& list() const { return list_; }

private:
  std::vector<std::string> list_;
};

} // namespace flux::auth
