#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman_actor.hpp>

#include "cluster/cluster_options.hpp"
#include "core/actors.hpp"

// How the cluster port is carried: mutual TLS through CAF's OpenSSL module
// (cluster.tls-*), or plain TCP (cluster.plaintext=true). The two are
// separate doors in CAF 0.17.6: the OpenSSL module has its own middleman
// actor beside the plain one (both feed the same BASP broker), so publishing
// or dialling through the plain middleman would bypass TLS. Everything the
// cluster publishes or dials goes through here (docs/cluster.md, "TLS").
namespace flux {

// Before the actor system is made: loads CAF networking, and for TLS the
// OpenSSL module with cluster.tls-* as its openssl.* files. Turns off CAF's
// automatic connections, which would open a plain TCP port of their own.
// False (nothing loaded for TLS) if the fix of
// cluster/openssl_error_queue.hpp is not in effect.
bool load_cluster_networking(caf::actor_system_config& cfg,
                             const cluster_options& opts);

// The middleman actor that dials peers (connect_atom) for `opts`.
caf::io::middleman_actor cluster_dialer(caf::actor_system& sys,
                                        const cluster_options& opts);

// Publishes the cluster actor on host:port (0: any); returns the port.
caf::expected<uint16_t> publish_cluster(caf::actor_system& sys,
                                        const cluster_actor& self,
                                        const std::string& host, uint16_t port,
                                        const cluster_options& opts);

} // namespace flux
