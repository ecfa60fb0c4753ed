#include "core/log_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"
#include "core/logger.hpp"

namespace flux {

void add_options(caf::config_option_set& set, log_options& opts) {
  caf::config_option_adder{set, "log"}
    .add(opts.level, "level", "debug, info, warn or error")
    .add(opts.format, "format", "json or text");
}

void check_options(const log_options& opts, std::vector<std::string>& errors) {
  log::level lvl;
  need(errors, log::parse_level(opts.level, lvl),
       "log.level must be debug, info, warn or error");
  need(errors, opts.format == "json" || opts.format == "text",
       "log.format must be json or text");
}

} // namespace flux
