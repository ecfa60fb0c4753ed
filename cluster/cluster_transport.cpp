#include "cluster/cluster_transport.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "cluster/openssl_error_queue.hpp"

namespace flux {

bool load_cluster_networking(caf::actor_system_config& cfg,
                             const cluster_options& opts) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.enable-automatic-connections", false);
  if (!opts.tls())
    return true;
  // Without it a refused handshake drops healthy links
  // (cluster/openssl_error_queue.hpp).
  if (!openssl_error_queue_fix_active())
    return false;
  // CAF's OpenSSL module reads these members (openssl.* on its own command
  // line); any of them set turns on SSL_VERIFY_PEER |
  // SSL_VERIFY_FAIL_IF_NO_PEER_CERT on both ends of every connection.
  cfg.openssl_certificate = opts.tls_cert;
  cfg.openssl_key = opts.tls_key;
  cfg.openssl_cafile = opts.tls_ca;
  cfg.openssl_capath.clear();    // only the cluster's CA is trusted
  cfg.openssl_passphrase.clear(); // the key is unencrypted (checked)
  cfg.load<caf::openssl::manager>();
  return true;
}

caf::io::middleman_actor cluster_dialer(caf::actor_system& sys,
                                        const cluster_options& opts) {
  return opts.tls() ? sys.openssl_manager().actor_handle()
                    : sys.middleman().actor_handle();
}

caf::expected<uint16_t> publish_cluster(caf::actor_system& sys,
                                        const cluster_actor& self,
                                        const std::string& host, uint16_t port,
                                        const cluster_options& opts) {
  if (opts.tls())
    return caf::openssl::publish(self, port, host.c_str(), true);
  return sys.middleman().publish(self, port, host.c_str(), true);
}

} // namespace flux
