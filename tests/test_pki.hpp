#pragma once

// Throw-away certificates for the TLS tests: tests/tls/make-test-pki.sh
// (the openssl CLI) makes them once per test process in a temporary
// directory, removed at exit. pki("node-a.pem") is a file's path; the
// script's header lists the files.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "cluster/cluster_options.hpp"

namespace flux::tests {

class test_pki {
public:
  static const test_pki& get() {
    static const test_pki instance;
    return instance;
  }

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  ~test_pki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

private:
  test_pki() {
    char tmpl[] = "/tmp/flux-test-pki-XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("test_pki: mkdtemp failed");
    dir_ = tmpl;
    auto cmd = std::string{FLUX_TEST_PKI_SCRIPT} + " '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("test_pki: " + cmd + " failed");
  }

  std::string dir_;
};

inline std::string pki(const std::string& name) {
  return test_pki::get().file(name);
}

// The cluster.tls-* options of node certificate `node` (node-a.pem with
// node-a.key) trusting CA `ca` (ca.pem).
inline cluster_options tls_transport(const std::string& node,
                                     const std::string& ca = "ca") {
  cluster_options o;
  o.tls_cert = pki(node + ".pem");
  o.tls_key = pki(node + ".key");
  o.tls_ca = pki(ca + ".pem");
  return o;
}

inline cluster_options plaintext_transport() {
  cluster_options o;
  o.plaintext = true;
  return o;
}

} // namespace flux::tests
