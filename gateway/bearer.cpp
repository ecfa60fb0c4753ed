#include "gateway/bearer.hpp"

namespace flux::gateway {

bearer parse_bearer(std::string_view raw) {
  bearer b;
  if (raw.empty()) {
    b.problem = "missing Authorization: Bearer <token>";
    return b;
  }
  b.result = bearer::state::malformed;
  if (raw.find('\n') != std::string_view::npos) {
    b.problem = "send one Authorization header, on one line";
    return b;
  }
  constexpr std::string_view scheme = "Bearer ";
  b.problem = "the Authorization header must be exactly 'Bearer <token>': "
              "one space, no other white space";
  if (raw.substr(0, scheme.size()) != scheme || raw.size() == scheme.size())
    return b;
  auto token = raw.substr(scheme.size());
  for (unsigned char c : token)
    if (c < 0x21 || c > 0x7e)
      return b;
  b.result = bearer::state::ok;
  b.token = token;
  b.problem = "";
  return b;
}

} // namespace flux::gateway
