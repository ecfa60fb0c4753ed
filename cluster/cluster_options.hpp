#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The cluster actor's options; listen, peers, node_name and the TLS files
// are the cluster.* section (docs/cluster.md).
namespace flux {

struct cluster_options {
  std::string node_name;          // how peers and /stats name this node;
                                  // default: its address
  std::string address;            // host:port this node published on
  std::vector<std::string> peers; // host:port of the other nodes
  std::string listen;             // host:port to publish on; empty: not
                                  // clustered (unless peers are listed)
  // Mutual TLS on the cluster port through CAF's OpenSSL module: this
  // node's certificate chain and key, and the cluster's CA that every peer's
  // certificate must chain to (PEM files). A clustered node needs all three
  // or an explicit plaintext=true: an open cluster port lets any host that
  // reaches it send records into the rooms.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  bool plaintext = false;
  std::chrono::milliseconds retry_min{250};
  std::chrono::milliseconds retry_max{5000};
  std::chrono::milliseconds connect_timeout{5000};

  bool clustered() const { return !listen.empty() || !peers.empty(); }
  // Peers are dialled and accepted over TLS (else plain TCP).
  bool tls() const { return !plaintext; }
};

// The cluster.* section; checked only when clustered(). The TLS files are
// read and checked here (cluster/cluster_tls.hpp): CAF reads them only when
// the first connection comes, on its I/O thread.
void add_options(caf::config_option_set& set, cluster_options& opts);
void check_options(const cluster_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
