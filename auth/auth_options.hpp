#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The auth.* section (docs/auth.md): the keys tokens are verified with, the
// claims they must carry, and what a connection without one may do.
namespace flux::auth {

struct auth_options {
  std::string jwt_secret;      // HS256/384/512; at least 32 bytes
  std::string jwt_secret_file; // the same, read from a file
  // PEM public keys (RS* or ES*), each "path" or "kid=path"; a key without
  // a kid is named by its file's stem.
  std::vector<std::string> jwt_public_keys;
  std::string jwt_audience; // non-empty: `aud` must contain it
  std::string jwt_issuer;   // non-empty: `iss` must equal it
  bool required = false;    // true: no anonymous connection at all
  // Rooms open without a token (when not required). Unless set, every room
  // without keys, none with keys (flux_config decides: anonymous_rooms_set).
  std::vector<std::string> anonymous_rooms;
  bool anonymous_rooms_set = false;
  int64_t clock_skew_ms = 30000;
  int64_t refresh_warning_ms = 60000; // token_expiring this long before exp
  int64_t expiry_grace_ms = 2000;     // token_expired, then 4001 after this
  int64_t timeout_ms = 10000;         // required: authenticated within this
  size_t max_failures = 3;            // refused tokens per connection
  size_t max_token_bytes = 8192;

  bool has_keys() const {
    return !jwt_secret.empty() || !jwt_secret_file.empty()
           || !jwt_public_keys.empty();
  }
};

void add_options(caf::config_option_set& set, auth_options& opts);
void check_options(const auth_options& opts, std::vector<std::string>& errors);

} // namespace flux::auth
