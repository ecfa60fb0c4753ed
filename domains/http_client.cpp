#include "domains/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <zlib.h>

#include "core/process.hpp"

namespace flux::httpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// -- helpers -------------------------------------------------------------------

const std::string& response::header(const std::string& lower_name) const {
  static const std::string empty;
  auto i = headers.find(lower_name);
  return i == headers.end() ? empty : i->second;
}

std::string describe_failure(const response& r) {
  if (!r.ok)
    return r.error;
  std::string out = "HTTP " + std::to_string(r.status);
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  if (!reason.empty())
    out += " " + std::string{reason};
  if (!r.body.empty()) {
    std::string snippet;
    for (char c : r.body.substr(0, 160))
      snippet += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    out += ": " + snippet;
    if (r.body.size() > 160)
      out += "…";
  }
  return out;
}

int64_t parse_retry_after(const std::string& value, int64_t now) {
  std::string v = value;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
    v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
    v.erase(v.begin());
  if (v.empty())
    return -1;
  if (std::all_of(v.begin(), v.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 9)
      return -1;
    return std::stoll(v) * 1000;
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  if (!strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
    return -1;
  auto at = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::max<int64_t>(0, at - now);
}

bool parse_url(const std::string& url, url_parts& out, std::string& why) {
  auto sep = url.find("://");
  if (sep == std::string::npos) {
    why = "invalid URL '" + url + "' (no scheme)";
    return false;
  }
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string default_port;
  if (out.scheme == "http" || out.scheme == "ws")
    default_port = "80";
  else if (out.scheme == "https" || out.scheme == "wss")
    default_port = "443";
  else {
    why = "unsupported URL scheme '" + out.scheme + "'";
    return false;
  }
  auto rest = url.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (auto hash = out.target.find('#'); hash != std::string::npos)
    out.target.resize(hash);
  if (out.target.empty() || out.target[0] == '?')
    out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos) {
    why = "URLs with credentials are not supported";
    return false;
  }
  if (!authority.empty() && authority[0] == '[') { // [::1]:8080
    auto close = authority.find(']');
    if (close == std::string::npos) {
      why = "invalid URL host in '" + url + "'";
      return false;
    }
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    out.port = after.size() > 1 && after[0] == ':' ? after.substr(1)
                                                   : default_port;
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? default_port
                                          : authority.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()
      || !std::all_of(out.port.begin(), out.port.end(),
                      [](char c) { return c >= '0' && c <= '9'; })) {
    why = "invalid URL host or port in '" + url + "'";
    return false;
  }
  return true;
}

std::string url_encode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool gunzip(const std::string& in, size_t limit, std::string& out,
            std::string& why) {
  z_stream zs{};
  // 15 + 32: detect a gzip or zlib header automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    why = "cannot initialize zlib";
    return false;
  }
  out.clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      why = rc == Z_BUF_ERROR ? "truncated gzip body"
                              : std::string{"invalid gzip body: "}
                                  + (zs.msg ? zs.msg : "inflate failed");
      return false;
    }
    out.append(chunk, sizeof(chunk) - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      why = "response body over " + std::to_string(limit)
            + " bytes (decompressed)";
      return false;
    }
  }
  inflateEnd(&zs);
  return true;
}

// -- one request ---------------------------------------------------------------

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

// -- client --------------------------------------------------------------------

client::client(client_options opts)
  : opts_(std::move(opts)),
    ioc_(static_cast<int>(std::max<size_t>(opts_.threads, 1))),
    tls_(ssl::context::tls_client),
    work_(nullptr, [](void* p) {
      delete static_cast<
        asio::executor_work_guard<asio::io_context::executor_type>*>(p);
    }) {
  tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                   | ssl::context::no_tlsv1_1);
  tls_.set_default_verify_paths();
  if (!opts_.extra_ca_file.empty()) {
    beast::error_code ec;
    tls_.load_verify_file(opts_.extra_ca_file, ec);
    if (ec)
      throw std::runtime_error("cannot load CA file '" + opts_.extra_ca_file
                               + "': " + ec.message());
  }
  tls_.set_verify_mode(ssl::verify_peer);
  work_.reset(new asio::executor_work_guard<asio::io_context::executor_type>(
    ioc_.get_executor()));
  for (size_t i = 0; i < std::max<size_t>(opts_.threads, 1); ++i)
    threads_.emplace_back([this] { ioc_.run(); });
}

client::~client() {
  stop();
}

void client::fetch(request req, std::function<void(response)> done) {
  std::make_shared<op>(*this, std::move(req), std::move(done))->start();
}

void client::stop() {
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach(); // the last owner let go on an I/O thread
    else if (t.joinable())
      t.join();
  }
  threads_.clear();
}

} // namespace flux::httpc
