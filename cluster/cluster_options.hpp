#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The cluster actor's options; listen, peers and node_name are the
// cluster.* section (docs/cluster.md).
namespace flux {

struct cluster_options {
  std::string node_name;          // how peers and /stats name this node;
                                  // default: its address
  std::string address;            // host:port this node published on
  std::vector<std::string> peers; // host:port of the other nodes
  std::string listen;             // host:port to publish on; empty: not
                                  // clustered (unless peers are listed)
  std::chrono::milliseconds retry_min{250};
  std::chrono::milliseconds retry_max{5000};
  std::chrono::milliseconds connect_timeout{5000};

  bool clustered() const { return !listen.empty() || !peers.empty(); }
};

// The cluster.* section; checked only when clustered().
void add_options(caf::config_option_set& set, cluster_options& opts);
void check_options(const cluster_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
