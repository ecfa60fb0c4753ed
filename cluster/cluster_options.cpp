#include "cluster/cluster_options.hpp"

#include <caf/config_option_adder.hpp>

#include "cluster/cluster.hpp"
#include "core/check_options.hpp"

namespace flux {

void add_options(caf::config_option_set& set, cluster_options& opts) {
  caf::config_option_adder{set, "cluster"}
    .add(opts.listen, "listen",
         "host:port to accept peer gateways on (port 0 picks one); empty: "
         "not clustered (docs/cluster.md)")
    .add(opts.peers, "peers", "host:port of the other gateway nodes")
    .add(opts.node_name, "node-name",
         "this node's name in the cluster (default: host:port of the gateway)");
}

void check_options(const cluster_options& opts,
                   std::vector<std::string>& errors) {
  if (!opts.clustered())
    return;
  std::string host, why;
  uint16_t port = 0;
  need(errors, !opts.listen.empty(),
       "cluster.peers needs cluster.listen (peers dial this node too)");
  if (!opts.listen.empty()) {
    bool ok = parse_peer_address(opts.listen, host, port, why);
    need(errors, ok, "cluster.listen: " + why);
  }
  for (auto& peer : opts.peers) {
    bool ok = parse_peer_address(peer, host, port, why);
    need(errors, ok, "cluster.peers: " + why);
  }
}

} // namespace flux
