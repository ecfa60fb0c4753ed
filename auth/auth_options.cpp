#include "auth/auth_options.hpp"

#include <caf/config_option_adder.hpp>

#include "auth/room_patterns.hpp"
#include "core/check_options.hpp"

namespace flux::auth {

void add_options(caf::config_option_set& set, auth_options& opts) {
  caf::config_option_adder{set, "auth"}
    .add(opts.jwt_secret, "jwt-secret",
         "HMAC secret for HS256/384/512 tokens (at least 32 bytes; prefer "
         "jwt-secret-file: a flag shows in the process list)")
    .add(opts.jwt_secret_file, "jwt-secret-file",
         "file holding the HMAC secret (one trailing newline is dropped)")
    .add(opts.jwt_public_keys, "jwt-public-keys",
         "PEM public keys for RS*/ES* tokens, each \"path\" or \"kid=path\" "
         "(the kid defaults to the file's stem); several allow rotation")
    .add(opts.jwt_audience, "jwt-audience",
         "when set, a token's 'aud' must contain it")
    .add(opts.jwt_issuer, "jwt-issuer", "when set, a token's 'iss' must equal it")
    .add(opts.required, "required",
         "true: every connection must present a valid token")
    .add(opts.anonymous_rooms, "anonymous-rooms",
         "room patterns open without a token when not required (default: "
         "every room without keys, none with keys)")
    .add(opts.clock_skew_ms, "clock-skew-ms",
         "tolerance for exp, nbf and iat against this node's clock")
    .add(opts.refresh_warning_ms, "refresh-warning-ms",
         "token_expiring is sent this long before the token's exp")
    .add(opts.expiry_grace_ms, "expiry-grace-ms",
         "after token_expired, the connection closes (4001) unless a new "
         "token arrives within this")
    .add(opts.timeout_ms, "timeout-ms",
         "with auth.required: time to present a token before a 4001 close")
    .add(opts.max_failures, "max-failures",
         "refused tokens a connection may present; one more closes it (4003)")
    .add(opts.max_token_bytes, "max-token-bytes", "largest token accepted");
}

void check_options(const auth_options& opts, std::vector<std::string>& errors) {
  need(errors, opts.jwt_secret.empty() || opts.jwt_secret_file.empty(),
       "auth.jwt-secret and auth.jwt-secret-file: set one, not both");
  need(errors, opts.jwt_secret.empty() || opts.jwt_secret.size() >= 32,
       "auth.jwt-secret must be at least 32 bytes (RFC 7518, 3.2)");
  need(errors, !opts.required || opts.has_keys(),
       "auth.required needs a key: auth.jwt-secret, auth.jwt-secret-file or "
       "auth.jwt-public-keys");
  for (auto& p : opts.anonymous_rooms)
    need(errors, valid_pattern(p),
         "auth.anonymous-rooms: '" + p + "' is not a room pattern");
  need(errors, opts.clock_skew_ms >= 0 && opts.clock_skew_ms <= 600000,
       "auth.clock-skew-ms must be between 0 and 600000");
  need(errors, opts.refresh_warning_ms >= 0,
       "auth.refresh-warning-ms must not be negative");
  need(errors, opts.expiry_grace_ms >= 0 && opts.expiry_grace_ms <= 600000,
       "auth.expiry-grace-ms must be between 0 and 600000");
  need(errors, opts.timeout_ms >= 100,
       "auth.timeout-ms must be at least 100");
  need(errors, opts.max_token_bytes >= 256 && opts.max_token_bytes <= 65536,
       "auth.max-token-bytes must be between 256 and 65536");
  need(errors, opts.jwt_public_keys.size() <= 16,
       "auth.jwt-public-keys: at most 16 keys");
}

} // namespace flux::auth
