#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

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

struct request {
  std::string method = "GET";
  std::string url; // http://host[:port]/path?query or https://…
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // 0: the client's defaults.
  std::chrono::milliseconds timeout{0};
  size_t max_body_bytes = 0;
};

struct response {
  bool ok = false;     // a complete HTTP response arrived (any status)
  std::string error;   // when !ok: why
  int status = 0;
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;    // decompressed
  std::string url;     // the final URL, after redirects
  // From Retry-After (seconds or an HTTP date); -1 when absent.
  int64_t retry_after_ms = -1;

  const std::string& header(const std::string& lower_name) const;
};

// Describes a failed or non-2xx response in one line, e.g.
// "HTTP 503 Service Unavailable: {\"error\":…}" (body cut short).
std::string describe_failure(const response& r);

// Parses Retry-After: delta-seconds or an HTTP date. Returns -1 if invalid.
int64_t parse_retry_after(const std::string& value, int64_t now_ms);

struct url_parts {
  std::string scheme; // http, https, ws, wss
  std::string host;
  std::string port;
  std::string target; // path + query, at least "/"
};

bool parse_url(const std::string& url, url_parts& out, std::string& why);

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& value);

// Inflates a gzip (or zlib) body; false with `why` on error or when the
// result would exceed `limit` bytes.
bool gunzip(const std::string& in, size_t limit, std::string& out,
            std::string& why);

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
