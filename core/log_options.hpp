#pragma once

#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The log.* options (core/logger).
namespace flux {

struct log_options {
  std::string level = "info";
  std::string format = "json";
};

void add_options(caf::config_option_set& set, log_options& opts);
void check_options(const log_options& opts, std::vector<std::string>& errors);

} // namespace flux
