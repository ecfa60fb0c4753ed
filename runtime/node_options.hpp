#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The node.* section: what this process runs, and how long it may take to
// stop.
namespace flux {

struct node_options {
  std::string role = "all"; // all | pollers | gateway (kafka only)
  int64_t shutdown_timeout_ms = 10000; // then exit 3, naming the stuck step
};

void add_options(caf::config_option_set& set, node_options& opts);
void check_options(const node_options& opts, std::vector<std::string>& errors);

} // namespace flux
