#include "runtime/node_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux {

void add_options(caf::config_option_set& set, node_options& opts) {
  caf::config_option_adder{set, "node"}
    .add(opts.role, "role",
         "all, pollers (produce only) or gateway (consume only); "
         "pollers and gateway need bus.kind=kafka")
    .add(opts.shutdown_timeout_ms, "shutdown-timeout-ms",
         "a stop that takes longer is cut short: the stuck step is logged "
         "and the process exits with code 3");
}

void check_options(const node_options& opts,
                   std::vector<std::string>& errors) {
  need(errors,
       opts.role == "all" || opts.role == "pollers" || opts.role == "gateway",
       "node.role must be all, pollers or gateway");
  need(errors,
       opts.shutdown_timeout_ms >= 1000 && opts.shutdown_timeout_ms <= 600000,
       "node.shutdown-timeout-ms must be between 1000 and 600000");
}

} // namespace flux
