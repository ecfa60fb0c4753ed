#include "gateway/http_session.hpp"

#include <cctype>

#include "core/json.hpp"
#include "core/secret.hpp"
#include "gateway/ingest.hpp"
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

bool ieq_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i])
      return false;
  return true;
}

// Only "Transfer-Encoding: chunked", once, without Content-Length, frames a
// body by chunks; anything else must not be read by length either.
bool ambiguous_framing(const http::request<http::string_body>& req) {
  auto te = req.count(http::field::transfer_encoding);
  if (te == 0)
    return false;
  return te > 1 || req.count(http::field::content_length) > 0
         || !beast::iequals(req[http::field::transfer_encoding], "chunked");
}

bool malformed(beast::error_code ec) {
  return ec.category()
           == http::make_error_code(http::error::bad_method).category()
         && ec != http::error::end_of_stream
         && ec != http::error::partial_message;
}

} // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<context> ctx)
  : stream_(std::move(socket)), ctx_(std::move(ctx)) {
  ++ctx_->http_connections;
}

http_session::~http_session() {
  release_body();
  --ctx_->http_connections;
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_session::do_read,
                                           shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(header_limit);
  // The largest body any route takes; on_header narrows it per route.
  parser_->body_limit(std::max<std::uint64_t>(
    64 * 1024, ctx_->opts.ingest.max_body_bytes));
  head_ = false;
  got_start_line_ = false;
  got_authorization_ = false;
  in_authorization_ = false;
  authorization_.clear();
  stream_.expires_after(std::chrono::seconds(30));
  read_header();
}

void http_session::read_header() {
  if (buffer_.size() > 0) {
    beast::error_code ec;
    auto data = buffer_.data();
    auto used = parser_->put(data, ec);
    if (!ec || ec == http::error::need_more) {
      // Beast consumes whole lines (start line, then field by field), so
      // each piece holds complete fields.
      keep_raw_authorization(
        std::string_view{static_cast<const char*>(data.data()), used});
      got_start_line_ = got_start_line_ || used > 0;
      buffer_.consume(used);
    }
    if (ec != http::error::need_more)
      return on_header(ec);
  }
  stream_.async_read_some(
    buffer_.prepare(8192),
    [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->buffer_.commit(n);
      if (ec == asio::error::eof)
        ec = self->buffer_.size() == 0 && !self->got_start_line_
               ? http::error::end_of_stream
               : http::error::partial_message;
      if (ec)
        return self->on_header(ec);
      self->read_header();
    });
}

// `fields` holds whole lines of the request header as Beast consumed them
// (the start line, then field by field, each with its continuation lines).
// The Authorization value is kept as sent: trailing white space stays, an
// obs-fold keeps its CRLF, a second field is joined with "\n", so that
// parse_bearer (gateway/bearer.hpp) sees what Beast would trim or unfold.
void http_session::keep_raw_authorization(std::string_view fields) {
  size_t pos = 0;
  while (pos < fields.size()) {
    auto eol = fields.find('\n', pos);
    auto line = fields.substr(pos, eol == std::string_view::npos
                                     ? std::string_view::npos
                                     : eol - pos);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    bool continuation = !line.empty()
                        && (line.front() == ' ' || line.front() == '\t');
    if (continuation && in_authorization_) {
      authorization_ += "\r\n";
      authorization_ += line;
    } else {
      in_authorization_ = ieq_prefix(line, "authorization:");
      if (in_authorization_) {
        line.remove_prefix(14);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
          line.remove_prefix(1);
        if (got_authorization_)
          authorization_ += '\n';
        authorization_ += line;
        got_authorization_ = true;
      }
    }
    if (eol == std::string_view::npos)
      break;
    pos = eol + 1;
  }
}

std::string_view http_session::raw_authorization(
  const http::request<http::string_body>& req) const {
  // Beast saw a field this did not (it should not happen): not exact.
  if (!got_authorization_ && req.count(http::field::authorization) > 0)
    return "\n";
  return authorization_;
}

void http_session::on_header(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message)
    return do_close();
  if (ec == http::error::header_limit) {
    // Over the limit before the request line ended: the target is too long.
    auto data = std::string_view{
      static_cast<const char*>(buffer_.data().data()), buffer_.size()};
    bool long_line = !got_start_line_
                     && data.substr(0, target_limit + 32).find('\n')
                          == std::string_view::npos;
    return long_line ? refuse(http::status::uri_too_long,
                              "request target over 8192 bytes")
                     : refuse(http::status::request_header_fields_too_large,
                              "request header over 16384 bytes");
  }
  if (ec == http::error::body_limit)
    return refuse_oversized();
  if (malformed(ec))
    return refuse(http::status::bad_request,
                  "malformed request: " + ec.message());
  if (ec)
    return fail(ec, "http read");
  if (refuse_on_header())
    return;
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read,
                                             shared_from_this()));
}

bool http_session::refuse_on_header() {
  auto& req = parser_->get();
  head_ = req.method() == http::verb::head;
  auto target = req.target();
  if (target.size() > target_limit) {
    refuse(http::status::uri_too_long, "request target over 8192 bytes");
    return true;
  }
  if (ambiguous_framing(req)) {
    refuse(http::status::bad_request,
           "Transfer-Encoding must be exactly chunked, without "
           "Content-Length");
    return true;
  }
  // Webhook ingest (POST /ingest/{room}) takes larger bodies than the rest.
  std::uint64_t limit = 64 * 1024;
  if (target.substr(0, 8) == "/ingest/") {
    auto early = refuse_ingest_early(ctx_->opts.ingest, *ctx_->backlog, req,
                                     raw_authorization(req));
    if (early) {
      refuse(std::move(*early));
      return true;
    }
    limit = std::max<std::uint64_t>(limit, ctx_->opts.ingest.max_body_bytes);
  }
  auto len = parser_->content_length();
  if (len && *len > limit) {
    refuse_oversized();
    return true;
  }
  parser_->body_limit(limit); // chunked bodies
  if (!reserve_body(len ? *len : parser_->chunked() ? limit : 0)) {
    auto res = make_response(
      req, http::status::service_unavailable,
      "{\"error\":\"too many request bodies in flight "
      "(gateway.max-inflight-body-bytes); retry later\",\"accepted\":0}",
      "application/json");
    res.set(http::field::retry_after, "1");
    ++ctx_->rejected;
    refuse(std::move(res));
    return true;
  }
  return false;
}

// Bodies reserve what they may grow to before any of it is read; one body
// alone always fits.
bool http_session::reserve_body(std::uint64_t bytes) {
  if (bytes == 0)
    return true;
  auto n = static_cast<int64_t>(bytes);
  auto before = ctx_->inflight_body_bytes.fetch_add(n);
  if (before > 0
      && before + n > static_cast<int64_t>(ctx_->opts.max_inflight_body_bytes)) {
    ctx_->inflight_body_bytes -= n;
    return false;
  }
  reserved_ = bytes;
  return true;
}

void http_session::release_body() {
  ctx_->inflight_body_bytes -= static_cast<int64_t>(reserved_);
  reserved_ = 0;
}

void http_session::refuse(http::status status, const std::string& why) {
  json::writer w;
  w.start_object();
  w.kv("error", why);
  w.end_object();
  refuse(make_response(parser_->get(), status, w.take(), "application/json"));
}

// Answers and closes; what the client still sends is read away first so
// that it sees the answer rather than a connection reset.
void http_session::refuse(response res) {
  res.keep_alive(false);
  draining_ = true;
  send(std::move(res));
}

void http_session::refuse_oversized() {
  refuse(make_response(parser_->get(), http::status::payload_too_large,
                       "{\"error\":\"request body too large\","
                       "\"accepted\":0}",
                       "application/json"));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message)
    return do_close();
  if (ec == http::error::body_limit)
    return refuse_oversized();
  if (malformed(ec))
    return refuse(http::status::bad_request,
                  "malformed request: " + ec.message());
  if (ec)
    return fail(ec, "http read");
  auto req = parser_->release();
  release_body(); // held by `req` only until this handler returns
  std::string target{req.target()};
  std::string path = target.substr(0, target.find('?'));
  std::string query = target.size() > path.size()
                        ? target.substr(path.size() + 1)
                        : std::string{};
  bool socketio_path = path == "/socket.io/" || path == "/socket.io";
  if (socketio_path && refuse_socketio(req, query))
    return;
  if (websocket::is_upgrade(req))
    return do_upgrade(std::move(req), path, query, socketio_path);
  auto self = shared_from_this();
  route(ctx_, req, raw_authorization(req), [self](response res) {
    asio::post(self->stream_.get_executor(),
               [self, res = std::move(res)]() mutable {
                 self->send(std::move(res));
               });
  });
}

bool http_session::refuse_socketio(const http::request<http::string_body>& req,
                                   const std::string& query) {
  auto refuse_with = [&](std::string body) {
    send(make_response(req, http::status::bad_request, body,
                       "application/json"));
    return true;
  };
  // Engine.IO v4 over WebSocket only; HTTP long-polling is not offered.
  if (query_param(query, "EIO") != "4")
    return refuse_with("{\"code\":5,\"message\":\"Unsupported protocol "
                       "version: use EIO=4\"}");
  const char* transport_unknown =
    "{\"code\":0,\"message\":\"Transport unknown: Flux supports only the "
    "websocket transport (transports: ['websocket'])\"}";
  if (query_param(query, "transport") != "websocket")
    return refuse_with(transport_unknown);
  // A sid resumes a polling session; there are none, so none is known (and
  // a new session must not be opened for it).
  if (!query_param(query, "sid").empty())
    return refuse_with("{\"code\":1,\"message\":\"Session ID unknown\"}");
  if (!websocket::is_upgrade(req))
    return refuse_with(transport_unknown);
  return false;
}

void http_session::do_upgrade(http::request<http::string_body> req,
                              const std::string& path,
                              const std::string& query, bool socketio_path) {
  if (path != "/ws" && !socketio_path)
    return send(make_response(
      req, http::status::not_found,
      "{\"error\":\"WebSocket endpoints are /ws and /socket.io/\"}",
      "application/json"));
  // Native clients present the token in the URL; Socket.IO clients in
  // their CONNECT packet (checked by the session).
  if (!socketio_path && !ctx_->opts.auth_token.empty()
      && !same_secret(query_param(query, "token"), ctx_->opts.auth_token)) {
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
  // With per-user tokens the session verifies ?token= (and answers why).
  std::string token;
  if (!socketio_path && ctx_->opts.access
      && ctx_->opts.access->accepts_tokens())
    token = std::string{query_param(query, "token")};
  std::make_shared<websocket_session>(stream_.release_socket(), ctx_, wire,
                                      std::move(token))
    ->run(std::move(req));
}

void http_session::send(response res) {
  if (head_) { // the GET answer's headers, Content-Length included
    auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
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
