#pragma once

// A fix for CAF 0.17.6's OpenSSL module, which would otherwise let one
// failed TLS handshake break the node's healthy cluster links.
//
// OpenSSL keeps an error queue per thread, and SSL_get_error() reports
// SSL_ERROR_SSL for any call that did not complete while that queue holds an
// error. CAF's session (libcaf_openssl/src/openssl/session.cpp) drains the
// queue only inside CAF_LOG_INFO, which Debian's build compiles out, so the
// error of a refused handshake (a peer without a certificate from the
// cluster's CA) stays on the middleman's I/O thread, and the next SSL_read
// on another connection that merely has no data yet is taken as fatal: that
// connection closes. Measured here: a foreign node retrying every 50-200 ms
// kept two good nodes' link down and lost the records between them
// (tests/cluster_tls_test.cpp).
//
// The fix wraps caf::openssl::session's three entry points into OpenSSL
// (do_some, behind read_some and write_some; try_connect; try_accept):
// Flux defines them, the dynamic linker binds libcaf_openssl's own calls
// (which go through its PLT) to these, and each clears the thread's queue
// and calls CAF's original (found with dlsym(RTLD_NEXT)).
namespace flux {

// True when the wrappers are in front of libcaf_openssl's definitions; a
// TLS node does not start without them (docs/cluster.md, "TLS").
bool openssl_error_queue_fix_active();

} // namespace flux
