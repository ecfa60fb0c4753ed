#include "gateway/ops_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux::gateway {

void add_options(caf::config_option_set& set, ops_options& opts) {
  caf::config_option_adder{set, "ops"}
    .add(opts.token, "token",
         "bearer token for /stats and /metrics, sent as exactly "
         "'Authorization: Bearer <token>' (empty: open when gateway.bind is "
         "a loopback address, 403 elsewhere unless ops.open)")
    .add(opts.open, "open",
         "serve /stats and /metrics without a token on a non-loopback "
         "gateway.bind too (logs a warning at start)");
}

void check_options(const ops_options& opts, std::vector<std::string>& errors) {
  bool visible = true; // else it could never be sent exactly (bearer.hpp)
  for (unsigned char c : opts.token)
    visible = visible && c >= 0x21 && c <= 0x7e;
  need(errors, visible,
       "ops.token must be visible ASCII, without spaces (it is sent as "
       "'Bearer <token>')");
  need(errors, !(opts.open && !opts.token.empty()),
       "ops.open and ops.token exclude each other: with a token the ops "
       "endpoints always need it");
}

} // namespace flux::gateway
