#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_options.hpp"
#include "auth/room_patterns.hpp"

// Verifies JSON Web Tokens with libjwt 1.10 (docs/auth.md has the facts this
// is built around). libjwt checks only the signature and trusts the token's
// `alg`, so first this reads the token itself (jwt_token.hpp), refuses `none`
// and every algorithm the chosen key is not for (an HS256 token "signed"
// with an RSA public key's PEM would pass libjwt), and picks the key by
// `kid`; then libjwt checks the signature with that one key; then exp, nbf,
// iat, aud and iss are checked here. Immutable once loaded: shared by every
// I/O thread and session.
namespace flux::auth {

// Who a verified token says the client is, and what it may do.
struct identity {
  std::string sub;
  int64_t exp_ms = -1;
  room_patterns rooms;  // may subscribe to
  room_patterns ingest; // may post to (POST /ingest/{room})
};

struct verdict {
  bool ok = false;
  bool expired = false; // refused because exp has passed
  std::string reason;   // why it was refused; never quotes the token
  identity who;
};

class token_verifier {
public:
  // Reads the keys the options name (the secret or its file, the PEM files);
  // one message per problem in `errors` (then the result has no keys).
  static std::shared_ptr<const token_verifier>
  load(const auth_options& opts, std::vector<std::string>& errors);

  bool has_keys() const { return !keys_.empty(); }
  size_t key_count() const { return keys_.size(); }

  verdict verify(std::string_view token, int64_t now_ms) const;

private:
  enum class family { hmac, rsa, ec };
  struct key {
    std::string kid; // empty: the HMAC secret
    family kind;
    int bits = 0;    // EC: the curve's size (256, 384, 521)
    std::string material; // the secret, or the PEM text
  };

  bool add_pem(const std::string& spec, std::vector<std::string>& errors);

  std::vector<key> keys_;
  std::string audience_;
  std::string issuer_;
  int64_t skew_ms_ = 0;
  size_t max_token_bytes_ = 8192;
};

} // namespace flux::auth
