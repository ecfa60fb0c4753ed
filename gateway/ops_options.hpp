#pragma once

#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The ops.* section: who may read the operators' endpoints (/stats,
// /metrics; gateway/ops_access.hpp).
namespace flux::gateway {

struct ops_options {
  std::string token; // Authorization: Bearer <token>; empty: see open
  // Without a token the endpoints are open on a loopback bind only; true
  // opens them on any address (the node warns at start).
  bool open = false;
};

void add_options(caf::config_option_set& set, ops_options& opts);
void check_options(const ops_options& opts, std::vector<std::string>& errors);

} // namespace flux::gateway
