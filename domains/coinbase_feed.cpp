#include "domains/coinbase_feed.hpp"

#include <map>
#include <mutex>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>
#include <rapidjson/document.h>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "domains/coinbase_messages.hpp"
#include "domains/connector_util.hpp"
#include "domains/resilience.hpp"

namespace flux::connectors {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

class feed : public coinbase_feed,
             public std::enable_shared_from_this<feed> {
public:
  feed(std::shared_ptr<httpc::client> http, coinbase_options opts)
    : http_(std::move(http)),
      opts_(std::move(opts)),
      strand_(asio::make_strand(http_->io())),
      resolver_(strand_),
      timer_(strand_),
      subscribe_(std::make_shared<std::string>(
        coinbase_subscribe_message(opts_.products))) {
  }

  void start() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (started_)
      return;
    started_ = true;
    started_at_ = now_ms();
    asio::dispatch(strand_, [self = shared_from_this()] { self->connect(); });
  }

  fetch_result flush(const std::string& source) override {
    std::lock_guard<std::mutex> guard{mtx_};
    fetch_result r;
    if (!up_) {
      if (!ever_failed_ && now_ms() - started_at_ < opts_.connect_timeout.count()) {
        r.ok = true; // still connecting for the first time
        return r;
      }
      r = failure("coinbase: " + (last_error_.empty()
                                    ? std::string{"not subscribed yet"}
                                    : last_error_)
                  + "; reconnecting");
      // The poller's breaker follows the reconnect loop.
      r.link_failures = attempts_;
      r.link_retry_at_ms = next_attempt_at_;
      return r;
    }
    r.ok = true;
    for (auto& [product, payload] : latest_)
      r.events.push_back(make_event(source, "crypto.ticker",
                                    event_kind::update, product,
                                    std::move(payload)));
    latest_.clear();
    return r;
  }

private:
  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else if (plain_)
      f(*plain_);
  }

  beast::tcp_stream* lowest() {
    if (tls_)
      return &beast::get_lowest_layer(*tls_);
    if (plain_)
      return &beast::get_lowest_layer(*plain_);
    return nullptr;
  }

  void connect() {
    auto gen = ++gen_;
    std::string why;
    if (!httpc::parse_url(opts_.url, url_, why)
        || (url_.scheme != "ws" && url_.scheme != "wss"))
      return fail(gen, why.empty() ? "URL must be ws:// or wss://" : why);
    plain_.reset();
    tls_.reset();
    buffer_.clear();
    if (url_.scheme == "wss")
      tls_.emplace(strand_, http_->tls());
    else
      plain_.emplace(strand_);
    // Connect deadline: resolve, TCP, TLS and the WebSocket handshake.
    timer_.expires_after(opts_.connect_timeout);
    timer_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->gen_ || self->connected_)
        return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      if (auto* l = self->lowest())
        l->cancel(), l->socket().close(ec);
    });
    timed_out_ = false;
    connected_ = false;
    resolver_.async_resolve(
      url_.host, url_.port,
      [self = shared_from_this(), gen](beast::error_code ec,
                                       tcp::resolver::results_type results) {
        if (gen != self->gen_)
          return;
        if (ec)
          return self->fail(gen, self->timed_out_
                                   ? self->timeout_text()
                                   : "cannot resolve " + self->url_.host + ": "
                                       + ec.message());
        self->lowest()->async_connect(
          results, [self, gen](beast::error_code ec, const tcp::endpoint&) {
            self->on_connect(gen, ec);
          });
      });
  }

  std::string endpoint() const { return url_.host + ":" + url_.port; }

  std::string timeout_text() const {
    return "timeout connecting to " + endpoint() + " after "
           + std::to_string(opts_.connect_timeout.count()) + " ms";
  }

  void on_connect(uint64_t gen, beast::error_code ec) {
    if (gen != gen_)
      return;
    if (ec)
      return fail(gen, timed_out_ ? timeout_text()
                                  : "cannot connect to " + endpoint() + ": "
                                      + ec.message());
    if (!tls_)
      return ws_handshake(gen);
    auto& tls = tls_->next_layer();
    if (!SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str()))
      return fail(gen, "TLS: cannot set SNI host name");
    tls.set_verify_mode(ssl::verify_peer);
    tls.set_verify_callback(ssl::host_name_verification(url_.host));
    tls.async_handshake(ssl::stream_base::client,
                        [self = shared_from_this(), gen](beast::error_code ec) {
                          if (gen != self->gen_)
                            return;
                          if (ec)
                            return self->fail(
                              gen, self->timed_out_
                                     ? self->timeout_text()
                                     : "TLS handshake with " + self->endpoint()
                                         + " failed: " + ec.message());
                          self->ws_handshake(gen);
                        });
  }

  void ws_handshake(uint64_t gen) {
    // The WebSocket layer takes over timeouts: pings at half the idle
    // time; nothing received for the idle time ends the connection.
    lowest()->expires_never();
    auto host = url_.host + ":" + url_.port;
    auto target = url_.target;
    with_stream([&](auto& ws) {
      websocket::stream_base::timeout t;
      t.handshake_timeout = opts_.connect_timeout;
      t.idle_timeout = opts_.idle_timeout;
      t.keep_alive_pings = true;
      ws.set_option(t);
      ws.set_option(websocket::stream_base::decorator(
        [ua = http_->options().user_agent](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, ua);
        }));
      ws.read_message_max(1 << 20);
      ws.async_handshake(host, target, [self = shared_from_this(),
                                        gen](beast::error_code ec) {
        if (gen != self->gen_)
          return;
        if (ec)
          return self->fail(gen, self->timed_out_
                                   ? self->timeout_text()
                                   : "WebSocket handshake with "
                                       + self->endpoint() + " failed: "
                                       + ec.message());
        self->on_open(gen);
      });
    });
  }

  void on_open(uint64_t gen) {
    connected_ = true;
    timer_.cancel();
    with_stream([&](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(*subscribe_),
                     [self = shared_from_this(), gen,
                      keep = subscribe_](beast::error_code ec, std::size_t) {
                       if (gen != self->gen_)
                         return;
                       if (ec)
                         return self->fail(gen, "subscribe failed: "
                                                  + ec.message());
                       self->read(gen);
                     });
    });
  }

  void read(uint64_t gen) {
    with_stream([&](auto& ws) {
      ws.async_read(buffer_, [self = shared_from_this(), gen](
                               beast::error_code ec, std::size_t) {
        self->on_read(gen, ec);
      });
    });
  }

  void on_read(uint64_t gen, beast::error_code ec) {
    if (gen != gen_)
      return;
    if (ec) {
      std::string why = "connection lost: " + ec.message();
      if (ec == websocket::error::closed) {
        why = "closed by the server";
        with_stream([&](auto& ws) {
          auto reason = ws.reason();
          why += " (code " + std::to_string(reason.code);
          if (!reason.reason.empty())
            why += ": " + std::string{reason.reason.c_str()};
          why += ")";
        });
      } else if (ec == beast::error::timeout) {
        why = "no data for " + std::to_string(opts_.idle_timeout.count())
              + " ms";
      }
      return fail(gen, why);
    }
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    on_message(gen, text);
    if (gen == gen_ && connected_)
      read(gen);
  }

  void on_message(uint64_t gen, const std::string& text) {
    std::string product, payload, why;
    if (normalize_coinbase_ticker(text, product, payload, why)) {
      std::lock_guard<std::mutex> guard{mtx_};
      latest_[product] = std::move(payload); // coalesce: the latest wins
      ++ticks_;
      return;
    }
    if (!why.empty()) {
      ++malformed_;
      if (malformed_ == 1 || malformed_ % 1000 == 0)
        log::warn("coinbase", "skipping malformed ticker message",
                  {{"reason", why}, {"count", std::to_string(malformed_)}});
      return;
    }
    // Not a ticker, so valid JSON (normalize_coinbase_ticker said why
    // otherwise): a control message such as subscriptions or error.
    rapidjson::Document doc;
    std::string type;
    if (!json::parse(doc, text) || !doc.IsObject()
        || !json::get(doc, "type", type))
      return;
    if (type == "subscriptions") {
      std::lock_guard<std::mutex> guard{mtx_};
      if (!up_)
        log::info("coinbase", "subscribed to the ticker channel",
                  {{"url", opts_.url},
                   {"products", std::to_string(opts_.products.size())},
                   {"reconnects", std::to_string(reconnects_)}});
      up_ = true;
      attempts_ = 0;
      last_error_.clear();
    } else if (type == "error") {
      std::string message, reason;
      json::get(doc, "message", message);
      json::get(doc, "reason", reason);
      fail(gen, "error from the feed: " + message
                  + (reason.empty() ? "" : " (" + reason + ")"));
    }
  }

  void fail(uint64_t gen, const std::string& why) {
    if (gen != gen_)
      return;
    ++gen_; // every handler of this connection is now stale
    connected_ = false;
    timer_.cancel();
    if (auto* l = lowest()) {
      beast::error_code ignored;
      l->socket().shutdown(tcp::socket::shutdown_both, ignored);
      l->socket().close(ignored);
    }
    uint32_t attempt;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      bool was_up = up_;
      up_ = false;
      ever_failed_ = true;
      attempt = attempts_++;
      ++reconnects_;
      auto delay = backoff_ms(opts_.reconnect_min.count(),
                              opts_.reconnect_max.count(), attempt,
                              random_unit());
      last_error_ = "websocket to " + endpoint() + ": " + why;
      next_attempt_at_ = now_ms() + delay;
      if (was_up || attempt == 0 || attempt % 10 == 0)
        log::warn("coinbase", "feed down; reconnecting",
                  {{"error", why}, {"retry_in_ms", std::to_string(delay)},
                   {"attempt", std::to_string(attempt + 1)}});
      reconnect_delay_ = delay;
    }
    auto next = gen_;
    timer_.expires_after(std::chrono::milliseconds{reconnect_delay_});
    timer_.async_wait([self = shared_from_this(), next](beast::error_code ec) {
      if (ec || next != self->gen_)
        return;
      self->connect();
    });
  }

  std::shared_ptr<httpc::client> http_;
  coinbase_options opts_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::shared_ptr<std::string> subscribe_;
  httpc::url_parts url_;
  std::optional<plain_ws> plain_;
  std::optional<tls_ws> tls_;
  beast::flat_buffer buffer_;
  uint64_t gen_ = 0; // strand only
  bool connected_ = false;
  bool timed_out_ = false;
  int64_t reconnect_delay_ = 0;
  uint64_t malformed_ = 0;

  std::mutex mtx_; // guards what fetches read
  bool started_ = false;
  int64_t started_at_ = 0;
  bool up_ = false;
  bool ever_failed_ = false;
  uint32_t attempts_ = 0; // failed connections since the last subscription
  int64_t next_attempt_at_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t ticks_ = 0;
  std::string last_error_;
  std::map<std::string, std::string> latest_;
};

} // namespace

std::shared_ptr<coinbase_feed>
make_coinbase_feed(std::shared_ptr<httpc::client> http, coinbase_options opts) {
  return std::make_shared<feed>(std::move(http), std::move(opts));
}

} // namespace flux::connectors
