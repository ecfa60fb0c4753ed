#include "cluster/cluster_options.hpp"

#include <caf/config_option_adder.hpp>

#include "cluster/cluster.hpp"
#include "cluster/tls_files.hpp"
#include "core/check_options.hpp"

namespace flux {

namespace {

// Either mutual TLS with all three files, or plaintext said out loud.
void check_transport(const cluster_options& opts,
                     std::vector<std::string>& errors) {
  bool any_tls = !opts.tls_cert.empty() || !opts.tls_key.empty()
                 || !opts.tls_ca.empty();
  if (opts.plaintext) {
    need(errors, !any_tls,
         "cluster.plaintext=true and cluster.tls-* are both set: choose one");
    return;
  }
  if (!any_tls) {
    errors.push_back(
      "a clustered node needs cluster.tls-cert, cluster.tls-key and "
      "cluster.tls-ca (mutual TLS on the cluster port), or "
      "cluster.plaintext=true to accept peers over plain TCP "
      "(docs/cluster.md)");
    return;
  }
  bool all = true;
  for (auto [value, name] : {std::pair{&opts.tls_cert, "cluster.tls-cert"},
                             std::pair{&opts.tls_key, "cluster.tls-key"},
                             std::pair{&opts.tls_ca, "cluster.tls-ca"}})
    if (value->empty()) {
      errors.push_back(std::string{name} + " is missing: TLS on the cluster "
                       "port needs cluster.tls-cert, cluster.tls-key and "
                       "cluster.tls-ca");
      all = false;
    }
  if (all)
    check_tls_files(opts.tls_cert, opts.tls_key, opts.tls_ca, errors);
}

} // namespace

void add_options(caf::config_option_set& set, cluster_options& opts) {
  caf::config_option_adder{set, "cluster"}
    .add(opts.listen, "listen",
         "host:port to accept peer gateways on (port 0 picks one); empty: "
         "not clustered (docs/cluster.md)")
    .add(opts.peers, "peers", "host:port of the other gateway nodes")
    .add(opts.node_name, "node-name",
         "this node's name in the cluster (default: host:port of the gateway)")
    .add(opts.tls_cert, "tls-cert",
         "PEM certificate (chain) of this node, signed by cluster.tls-ca; "
         "peers are accepted and dialled over mutual TLS only")
    .add(opts.tls_key, "tls-key",
         "PEM private key of cluster.tls-cert (unencrypted; keep it 0600)")
    .add(opts.tls_ca, "tls-ca",
         "PEM CA certificate(s) of the cluster: a peer whose certificate does "
         "not chain to it cannot join or send a record")
    .add(opts.plaintext, "plaintext",
         "peers over plain TCP, no authentication or encryption (logs "
         "a warning); a clustered node needs this or the cluster.tls-* files");
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
  check_transport(opts, errors);
}

} // namespace flux
