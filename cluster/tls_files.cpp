#include "cluster/tls_files.hpp"

#include <memory>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace flux {

namespace {

using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using store_ctx_ptr =
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)>;

// OpenSSL's queued errors as one line (and the queue emptied).
std::string openssl_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty())
      out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

// An encrypted key fails instead of prompting on the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

// Whether `cert` (with its chain) verifies against the CA for `purpose`;
// else why not.
bool verifies(SSL_CTX* ctx, int purpose, std::string& why) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  store_ctx_ptr sctx{X509_STORE_CTX_new(), &X509_STORE_CTX_free};
  if (!sctx || !leaf
      || X509_STORE_CTX_init(sctx.get(), SSL_CTX_get_cert_store(ctx), leaf,
                             chain)
           != 1) {
    why = openssl_errors();
    return false;
  }
  X509_STORE_CTX_set_purpose(sctx.get(), purpose);
  if (X509_verify_cert(sctx.get()) == 1)
    return true;
  why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx.get()));
  return false;
}

} // namespace

void check_tls_files(const std::string& cert, const std::string& key,
                     const std::string& ca, std::vector<std::string>& errors) {
  ERR_clear_error();
  ctx_ptr ctx{SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (!ctx) {
    errors.push_back("cluster TLS: " + openssl_errors());
    return;
  }
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1) {
    errors.push_back("cluster.tls-cert: cannot load a PEM certificate from '"
                     + cert + "': " + openssl_errors());
    return;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM)
        != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1) {
    // OpenSSL checks the pair while loading the key.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      errors.push_back("cluster.tls-key: '" + key + "' is not the key of "
                       "cluster.tls-cert '" + cert + "'");
    } else {
      errors.push_back("cluster.tls-key: cannot load an unencrypted PEM "
                       "private key from '" + key + "': " + openssl_errors());
    }
    return;
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1) {
    errors.push_back("cluster.tls-ca: cannot load PEM CA certificates from '"
                     + ca + "': " + openssl_errors());
    return;
  }
  // Every node accepts peers (TLS server) and dials them (TLS client).
  std::string why;
  if (!verifies(ctx.get(), X509_PURPOSE_SSL_SERVER, why)
      || !verifies(ctx.get(), X509_PURPOSE_SSL_CLIENT, why))
    errors.push_back("cluster.tls-cert: '" + cert + "' does not verify "
                     "against cluster.tls-ca '" + ca + "' for TLS client and "
                     "server use: " + why);
  ERR_clear_error();
}

} // namespace flux
