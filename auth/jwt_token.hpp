#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// A JSON Web Token's compact form read without checking its signature
// (token_verifier does that, through libjwt): the three base64url parts, the
// header's alg and kid, and the claims Flux uses. Bounded before anything is
// decoded: a token of more than max_bytes, a part that is not strict
// base64url, JSON that is not an object, a claim of the wrong type or over
// its bound: each refused with a reason that never quotes the token.
namespace flux::auth {

struct jwt_header {
  std::string alg;
  std::string kid; // empty: none
};

struct jwt_claims {
  std::string sub;
  std::string iss;
  std::vector<std::string> aud; // a string audience is a list of one
  // NumericDate seconds; -1: absent.
  int64_t exp = -1;
  int64_t nbf = -1;
  int64_t iat = -1;
  // The room patterns (room_patterns.hpp) it may subscribe to and post to.
  std::vector<std::string> rooms;
  std::vector<std::string> ingest;
};

struct jwt_parts {
  jwt_header header;
  jwt_claims claims;
};

constexpr size_t max_sub_bytes = 256;
constexpr size_t max_audiences = 16;

// Decodes strict base64url (RFC 4648 §5, no padding); false on any other byte
// or an impossible length.
bool base64url_decode(std::string_view in, std::string& out);

// Reads `token`. False with `why` (e.g. "malformed token: ...") when it is
// not a compact JWS of at most `max_bytes` with the claims above well-typed.
bool parse_token(std::string_view token, size_t max_bytes, jwt_parts& out,
                 std::string& why);

} // namespace flux::auth
