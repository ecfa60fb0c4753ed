#include "domains/http_exchange.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "core/process.hpp"
#include "domains/http_client.hpp"

namespace flux::httpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307
         || status == 308;
}

class op : public std::enable_shared_from_this<op> {
public:
  op(client& c, request req, std::function<void(response)> done)
    : client_(c),
      opts_(c.options()),
      req_(std::move(req)),
      done_(std::move(done)),
      strand_(asio::make_strand(c.io())),
      resolver_(strand_),
      timer_(strand_) {
    if (req_.timeout.count() > 0)
      opts_.read_timeout = req_.timeout;
    if (req_.max_body_bytes > 0)
      opts_.max_body_bytes = req_.max_body_bytes;
    if (opts_.deadline.count() > 0)
      deadline_at_ = std::chrono::steady_clock::now() + opts_.deadline;
  }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->begin(); });
  }

private:
  std::string endpoint() const { return url_.host + ":" + url_.port; }

  void begin() {
    std::string why;
    if (!parse_url(req_.url, url_, why))
      return fail(why);
    if (url_.scheme != "http" && url_.scheme != "https")
      return fail("unsupported URL scheme '" + url_.scheme + "'");
    plain_.reset();
    tls_.reset();
    if (url_.scheme == "https")
      tls_.emplace(strand_, client_.tls());
    else
      plain_.emplace(strand_);
    buffer_.clear();
    phase_ = phase::connecting;
    arm(opts_.connect_timeout);
    resolver_.async_resolve(
      url_.host, url_.port,
      [self = shared_from_this()](beast::error_code ec,
                                  tcp::resolver::results_type results) {
        self->on_resolve(ec, std::move(results));
      });
  }

  beast::tcp_stream& lowest() {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }

  // One deadline per phase; a fired deadline closes the socket, which
  // aborts whatever operation is pending.
  void arm(std::chrono::milliseconds d) {
    auto gen = ++timer_gen_;
    by_deadline_ = false;
    if (deadline_at_) { // what is left of the whole request's deadline
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *deadline_at_ - std::chrono::steady_clock::now());
      if (left < d) {
        d = std::max(left, std::chrono::milliseconds{1});
        by_deadline_ = true;
      }
    }
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->timer_gen_ || self->finished_)
        return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->lowest().socket().close(ignored);
    });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (timed_out_)
      return fail_timeout();
    if (ec)
      return fail("cannot resolve " + url_.host + ": " + ec.message());
    lowest().async_connect(
      results, [self = shared_from_this()](beast::error_code ec,
                                           const tcp::endpoint&) {
        self->on_connect(ec);
      });
  }

  void on_connect(beast::error_code ec) {
    if (timed_out_)
      return fail_timeout();
    if (ec)
      return fail("cannot connect to " + endpoint() + ": " + ec.message());
    if (!tls_)
      return send_request();
    // SNI (a host name only: RFC 6066 forbids IP literals there), then
    // verification of the chain and of the host name or address.
    beast::error_code not_ip;
    asio::ip::make_address(url_.host, not_ip);
    if (not_ip
        && !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()))
      return fail("TLS: cannot set SNI host name " + url_.host);
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](beast::error_code ec) {
                            self->on_handshake(ec);
                          });
  }

  void on_handshake(beast::error_code ec) {
    if (timed_out_)
      return fail_timeout();
    if (ec) {
      std::string msg = ec.message();
      if (ec.category() == asio::error::get_ssl_category()) {
        // Name the verification result when that is why.
        auto v = SSL_get_verify_result(tls_->native_handle());
        if (v != X509_V_OK)
          msg += " (" + std::string{X509_verify_cert_error_string(v)} + ")";
      }
      return fail("TLS handshake with " + endpoint() + " failed: " + msg);
    }
    send_request();
  }

  void send_request() {
    phase_ = phase::reading;
    arm(opts_.read_timeout);
    hreq_ = {};
    hreq_.version(11);
    auto verb = http::string_to_verb(req_.method);
    hreq_.method(verb == http::verb::unknown ? http::verb::get : verb);
    hreq_.target(url_.target);
    bool default_port = (url_.scheme == "http" && url_.port == "80")
                        || (url_.scheme == "https" && url_.port == "443");
    hreq_.set(http::field::host,
              default_port ? url_.host : url_.host + ":" + url_.port);
    hreq_.set(http::field::user_agent, opts_.user_agent);
    hreq_.set(http::field::accept, "*/*");
    hreq_.set(http::field::accept_encoding, "gzip");
    hreq_.set(http::field::connection, "close");
    for (auto& [k, v] : req_.headers)
      hreq_.set(k, v);
    if (!req_.body.empty() || hreq_.method() == http::verb::post) {
      hreq_.body() = req_.body;
      hreq_.prepare_payload();
    }
    auto on_write = [self = shared_from_this()](beast::error_code ec,
                                                std::size_t) {
      self->on_write(ec);
    };
    if (tls_)
      http::async_write(*tls_, hreq_, std::move(on_write));
    else
      http::async_write(*plain_, hreq_, std::move(on_write));
  }

  void on_write(beast::error_code ec) {
    if (timed_out_)
      return fail_timeout();
    if (ec)
      return fail("sending the request to " + endpoint()
                  + " failed: " + ec.message());
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(opts_.max_body_bytes);
    auto on_read = [self = shared_from_this()](beast::error_code ec,
                                               std::size_t) {
      self->on_read(ec);
    };
    if (tls_)
      http::async_read(*tls_, buffer_, *parser_, std::move(on_read));
    else
      http::async_read(*plain_, buffer_, *parser_, std::move(on_read));
  }

  void on_read(beast::error_code ec) {
    if (timed_out_)
      return fail_timeout();
    if (ec == http::error::body_limit)
      return fail("response body over " + std::to_string(opts_.max_body_bytes)
                  + " bytes");
    if (ec == http::error::header_limit)
      return fail("response header too large");
    if (ec == http::error::partial_message
        || (ec && parser_->is_header_done() && !parser_->is_done()))
      return fail("truncated response from " + endpoint()
                  + " (connection closed mid-body)");
    if (ec == http::error::end_of_stream || ec == asio::error::eof
        || ec == ssl::error::stream_truncated)
      return fail("connection to " + endpoint()
                  + " closed before a response");
    if (ec)
      return fail("reading the response from " + endpoint()
                  + " failed: " + ec.message());
    auto msg = parser_->release();
    response res;
    res.ok = true;
    res.status = static_cast<int>(msg.result_int());
    res.url = req_.url;
    for (auto& field : msg) {
      std::string name{field.name_string()};
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      res.headers[name] = std::string{field.value()};
    }
    close();
    auto location = res.header("location");
    if (is_redirect(res.status) && !location.empty())
      return redirect(location, res.status);
    auto& enc = res.header("content-encoding");
    if (enc == "gzip" || enc == "x-gzip" || enc == "deflate") {
      std::string why;
      if (!gunzip(msg.body(), opts_.max_body_bytes, res.body, why))
        return fail(why + " from " + endpoint());
    } else {
      res.body = std::move(msg.body());
    }
    if (res.headers.count("retry-after"))
      res.retry_after_ms = parse_retry_after(res.header("retry-after"),
                                             now_ms());
    finish(std::move(res));
  }

  void redirect(const std::string& location, int status) {
    if (opts_.max_redirects <= 0)
      return fail("redirect refused (HTTP " + std::to_string(status) + " to "
                  + location + ")");
    if (++redirects_ > opts_.max_redirects)
      return fail("too many redirects (more than "
                  + std::to_string(opts_.max_redirects) + ")");
    std::string next = location;
    if (next.rfind("//", 0) == 0)
      next = url_.scheme + ":" + next;
    else if (!next.empty() && next[0] == '/')
      next = url_.scheme + "://"
             + (url_.host.find(':') != std::string::npos
                  ? "[" + url_.host + "]" : url_.host)
             + ":" + url_.port + next;
    url_parts to;
    std::string why;
    if (!parse_url(next, to, why))
      return fail("bad redirect: " + why);
    if (url_.scheme == "https" && to.scheme != "https")
      return fail("redirect from https to " + to.scheme + " refused");
    if (status == 303)
      req_.method = "GET", req_.body.clear();
    req_.url = next;
    timed_out_ = false;
    begin();
  }

  void close() {
    ++timer_gen_;
    timer_.cancel();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  void fail_timeout() {
    if (by_deadline_)
      fail("timeout after " + std::to_string(opts_.deadline.count())
           + " ms (request deadline) "
           + (phase_ == phase::connecting ? "connecting to "
                                          : "waiting for the response from ")
           + endpoint());
    else if (phase_ == phase::connecting)
      fail("timeout connecting to " + endpoint() + " after "
           + std::to_string(opts_.connect_timeout.count()) + " ms");
    else
      fail("timeout after " + std::to_string(opts_.read_timeout.count())
           + " ms waiting for the response from " + endpoint());
  }

  void fail(std::string why) {
    response res;
    res.ok = false;
    res.error = std::move(why);
    res.url = req_.url;
    if (plain_ || tls_)
      close();
    finish(std::move(res));
  }

  void finish(response res) {
    if (finished_)
      return;
    finished_ = true;
    ++timer_gen_;
    timer_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done)
      done(std::move(res));
  }

  enum class phase { connecting, reading };

  client& client_;
  client_options opts_;
  request req_;
  std::function<void(response)> done_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  uint64_t timer_gen_ = 0;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> hreq_;
  std::optional<http::response_parser<http::string_body>> parser_;
  url_parts url_;
  phase phase_ = phase::connecting;
  int redirects_ = 0;
  bool timed_out_ = false;
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> deadline_at_;
  bool by_deadline_ = false; // the armed timeout is the deadline's rest
};

} // namespace

void start_exchange(client& c, request req,
                    std::function<void(response)> done) {
  std::make_shared<op>(c, std::move(req), std::move(done))->start();
}

} // namespace flux::httpc
