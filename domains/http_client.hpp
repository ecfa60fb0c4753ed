#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "domains/http_message.hpp"

// An asynchronous HTTP(S) client for the connectors, on Boost.Beast and
// OpenSSL. It owns an Asio io_context and its threads (never CAF's scheduler
// threads): a request runs entirely on that context and its callback is
// called there, exactly once.
//
// - TLS with SNI, certificate and host name verification against the system
//   CA store (plus an optional extra CA file, e.g. a test CA);
// - a connect timeout (resolve + TCP connect + TLS handshake), a read
//   timeout (request sent to last body byte) and an optional deadline for
//   the whole request;
// - redirects followed up to a bound (never from https to http), or refused;
// - a response size limit, applied to the body as received and again after
//   decompression;
// - gzip offered and inflated (zlib);
// - errors as short readable strings ("timeout connecting to host:443 after
//   5000 ms", "TLS handshake with host failed: certificate verify failed").
namespace flux::httpc {

struct client_options {
  size_t threads = 1;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};
  // Whole request, redirects included: every phase's timeout is cut to what
  // is left of it (0: none). The connectors set it to the poller's fetch
  // timeout, so a fetch the poller gave up on ends soon after.
  std::chrono::milliseconds deadline{0};
  size_t max_body_bytes = 4 << 20;
  int max_redirects = 3; // 0: a redirect is an error
  std::string user_agent = "flux/0.1 (+https://github.com/flux)";
  std::string extra_ca_file; // PEM; trusted in addition to the system store
};

class client : public std::enable_shared_from_this<client> {
public:
  explicit client(client_options opts);
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Starts the request; `done` is called once, on an I/O thread.
  void fetch(request req, std::function<void(response)> done);

  // Stops the I/O threads (pending requests are abandoned: their callbacks
  // are destroyed uncalled). Call before the actor system goes away.
  void stop();

  boost::asio::io_context& io() { return ioc_; }
  boost::asio::ssl::context& tls() { return tls_; }
  const client_options& options() const { return opts_; }

private:
  client_options opts_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_;
  std::unique_ptr<void, void (*)(void*)> work_;
  std::vector<std::thread> threads_;
};

} // namespace flux::httpc
