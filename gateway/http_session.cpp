#include "gateway/http_session.hpp"

#include "gateway/websocket_session.hpp"

namespace flux::gateway {

namespace {

// The value of `name` in a URL query string ("" when absent).
std::string query_param(const std::string& query, const std::string& name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    auto part = query.substr(pos, amp == std::string::npos ? std::string::npos
                                                           : amp - pos);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return eq == std::string::npos ? std::string{} : part.substr(eq + 1);
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
  return {};
}

} // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<context> ctx)
  : stream_(std::move(socket)), ctx_(std::move(ctx)) {
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_session::do_read,
                                           shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  // The largest body any route takes; on_header narrows it per route.
  parser_->body_limit(std::max<std::uint64_t>(
    64 * 1024, ctx_->opts.ingest.max_body_bytes));
  stream_.expires_after(std::chrono::seconds(30));
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&http_session::on_header,
                                                    shared_from_this()));
}

void http_session::on_header(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return do_close();
  if (ec == http::error::body_limit)
    return refuse_oversized();
  if (ec)
    return fail(ec, "http read");
  // Webhook ingest (POST /ingest/{room}) takes larger bodies than the rest.
  auto target = parser_->get().target();
  std::uint64_t limit = 64 * 1024;
  if (target.substr(0, 8) == "/ingest/")
    limit = std::max<std::uint64_t>(limit, ctx_->opts.ingest.max_body_bytes);
  if (auto len = parser_->content_length(); len && *len > limit)
    return refuse_oversized();
  parser_->body_limit(limit); // chunked bodies
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read,
                                             shared_from_this()));
}

// Answers 413 and closes; what the client still sends is read away first so
// that it sees the answer rather than a connection reset.
void http_session::refuse_oversized() {
  auto res = make_response(parser_->get(), http::status::payload_too_large,
                           "{\"error\":\"request body too large\","
                           "\"accepted\":0}",
                           "application/json");
  res.keep_alive(false);
  draining_ = true;
  send(std::move(res));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return do_close();
  if (ec == http::error::body_limit)
    return refuse_oversized();
  if (ec)
    return fail(ec, "http read");
  auto req = parser_->release();
  std::string target{req.target()};
  std::string path = target.substr(0, target.find('?'));
  std::string query = target.size() > path.size()
                        ? target.substr(path.size() + 1)
                        : std::string{};
  bool socketio_path = path == "/socket.io/" || path == "/socket.io";
  if (socketio_path) {
    // Engine.IO v4 over WebSocket only; HTTP long-polling is not offered.
    if (query_param(query, "EIO") != "4")
      return send(make_response(req, http::status::bad_request,
                                "{\"code\":5,\"message\":\"Unsupported "
                                "protocol version: use EIO=4\"}",
                                "application/json"));
    auto transport_unknown = [&] {
      return send(make_response(
        req, http::status::bad_request,
        "{\"code\":0,\"message\":\"Transport unknown: Flux supports only "
        "the websocket transport (transports: ['websocket'])\"}",
        "application/json"));
    };
    if (query_param(query, "transport") != "websocket")
      return transport_unknown();
    // A sid resumes a polling session; there are none, so none is known
    // (and a new session must not be opened for it).
    if (!query_param(query, "sid").empty())
      return send(make_response(req, http::status::bad_request,
                                "{\"code\":1,\"message\":\"Session ID "
                                "unknown\"}",
                                "application/json"));
    if (!websocket::is_upgrade(req))
      return transport_unknown();
  }
  if (websocket::is_upgrade(req)) {
    if (path != "/ws" && !socketio_path)
      return send(make_response(
        req, http::status::not_found,
        "{\"error\":\"WebSocket endpoints are /ws and /socket.io/\"}",
        "application/json"));
    // Native clients present the token in the URL; Socket.IO clients in
    // their CONNECT packet (checked by the session).
    if (!socketio_path && !ctx_->opts.auth_token.empty()
        && query_param(query, "token") != ctx_->opts.auth_token) {
      auto res = make_response(req, http::status::unauthorized,
                               "{\"error\":\"missing or wrong token\"}",
                               "application/json");
      res.keep_alive(false);
      return send(std::move(res));
    }
    if (ctx_->stopping
        || ctx_->websockets.load()
             >= static_cast<int64_t>(ctx_->opts.max_connections)) {
      ++ctx_->rejected;
      auto res = make_response(req, http::status::service_unavailable,
                               "{\"error\":\"connection limit reached\"}",
                               "application/json");
      res.keep_alive(false);
      return send(std::move(res));
    }
    auto wire = socketio_path ? wire_format::socketio : wire_format::native;
    std::make_shared<websocket_session>(stream_.release_socket(), ctx_, wire)
      ->run(std::move(req));
    return;
  }
  auto self = shared_from_this();
  route(ctx_, req, [self](response res) {
    asio::post(self->stream_.get_executor(),
               [self, res = std::move(res)]() mutable {
                 self->send(std::move(res));
               });
  });
}

void http_session::send(response res) {
  pending_ = std::make_shared<response>(std::move(res));
  auto keep_alive = pending_->keep_alive();
  http::async_write(stream_, *pending_,
                    beast::bind_front_handler(&http_session::on_write,
                                              shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec,
                            std::size_t) {
  pending_.reset();
  if (ec)
    return fail(ec, "http write");
  if (!keep_alive && draining_)
    return drain(0);
  if (!keep_alive)
    return do_close();
  do_read();
}

// After refusing an oversized body: half-close, then read and discard what
// the client is still sending (bounded in bytes and time), so that it reads
// the 413 instead of a connection reset.
void http_session::drain(std::size_t total) {
  if (total == 0) {
    do_close();
    stream_.expires_after(std::chrono::seconds(5));
  }
  if (total > (64u << 20))
    return;
  discard_.resize(16 * 1024);
  stream_.async_read_some(
    asio::buffer(discard_),
    [self = shared_from_this(), total](beast::error_code ec, std::size_t n) {
      if (!ec)
        self->drain(total + n);
    });
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

} // namespace flux::gateway
