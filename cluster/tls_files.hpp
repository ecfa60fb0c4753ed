#pragma once

#include <string>
#include <vector>

// Checks the cluster's TLS files at start (cluster.tls-cert, cluster.tls-key,
// cluster.tls-ca) the way OpenSSL will use them, so that a bad file stops
// the node with a config error (exit 2) instead of failing later: CAF 0.17.6
// reads the files only when a connection comes, once per connection, and
// raises an exception on its I/O thread if one cannot be loaded
// (docs/cluster.md, "TLS").
namespace flux {

// Appends one message per problem: a file that cannot be read or is not
// PEM, an encrypted key (CAF would ask for its passphrase on the terminal),
// a key that does not belong to the certificate, or a certificate that does
// not chain to the CA (or has expired, or may not be used for TLS client or
// server authentication: every node is both).
void check_tls_files(const std::string& cert, const std::string& key,
                     const std::string& ca, std::vector<std::string>& errors);

} // namespace flux
