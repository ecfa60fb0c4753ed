// auth/jwt_token.hpp parse_token and auth/token_verifier.hpp verify: one
// token as a client presents it. Invariants: what parses has claims within
// their bounds (patterns valid, sub bounded); a refusal's reason is short
// (it quotes at most the 16-byte alg, never the token); no input verifies against a secret the fuzzer does not
// know (a success would be a forgery).
#include <cstdint>
#include <string>

#include "auth/jwt_token.hpp"
#include "auth/room_patterns.hpp"
#include "auth/token_verifier.hpp"
#include "fuzz_check.hpp"

namespace auth = flux::auth;

namespace {

const auth::token_verifier& verifier() {
  static auto v = [] {
    auth::auth_options o;
    o.jwt_secret = "fuzz-secret-fuzz-secret-fuzz-secret!";
    std::vector<std::string> errors;
    auto loaded = auth::token_verifier::load(o, errors);
    FUZZ_CHECK(errors.empty());
    return loaded;
  }();
  return *v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string token{reinterpret_cast<const char*>(data), size};
  auth::jwt_parts parts;
  std::string why;
  if (auth::parse_token(token, 8192, parts, why)) {
    FUZZ_CHECK(parts.claims.sub.size() <= auth::max_sub_bytes);
    FUZZ_CHECK(parts.claims.rooms.size() <= auth::max_patterns);
    for (auto& p : parts.claims.rooms)
      FUZZ_CHECK(auth::valid_pattern(p));
    for (auto& p : parts.claims.ingest)
      FUZZ_CHECK(auth::valid_pattern(p));
    FUZZ_CHECK(parts.claims.aud.size() <= auth::max_audiences);
  } else {
    FUZZ_CHECK(!why.empty());
  }
  auto v = verifier().verify(token, 1'800'000'000'000);
  FUZZ_CHECK(!v.ok);
  // Bounded, so a token (or a part of one) longer than this is never in it.
  FUZZ_CHECK(!v.reason.empty() && v.reason.size() <= 160);
  return 0;
}
