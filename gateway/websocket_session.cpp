#include "gateway/websocket_session.hpp"

#include "actors/session.hpp"
#include "core/logger.hpp"
#include "core/type_ids.hpp"

namespace flux::gateway {

websocket_session::websocket_session(tcp::socket&& socket,
                                     std::shared_ptr<context> ctx,
                                     wire_format wire)
  : ws_(std::move(socket)), ctx_(std::move(ctx)), wire_(wire) {
  beast::error_code ec;
  auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  if (!ec)
    remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

websocket_session::~websocket_session() {
  if (counted_)
    --ctx_->websockets;
}

void websocket_session::run(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();
  // Beast pings an idle client and drops it when the ping goes unanswered.
  websocket::stream_base::timeout t;
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = std::chrono::milliseconds(ctx_->opts.heartbeat_ms);
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator(
    [](websocket::response_type& res) {
      res.set(http::field::server, "flux");
    }));
  ws_.read_message_max(ctx_->opts.max_frame_bytes);
  // One WebSocket frame per message: Beast would otherwise split a batch
  // into 4 KB fragments, one write each. Unmasked and unfragmented, it
  // writes straight from the shared frame bytes.
  ws_.auto_fragment(false);
  ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                  shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec)
    return fail(ec, "websocket accept");
  ++ctx_->upgrades;
  ++ctx_->websockets;
  counted_ = true;
  auto id = "s-" + std::to_string(++ctx_->session_ids);
  auto opts = ctx_->opts.session;
  opts.wire = wire_;
  opts.auth_token = ctx_->opts.auth_token;
  actor_ = ctx_->sys.spawn(session, id,
                           std::static_pointer_cast<client_socket>(
                             shared_from_this()),
                           ctx_->directory, ctx_->node, opts);
  log::debug("gateway", "websocket client connected",
             {{"session", id}, {"remote", remote_}});
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                    shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big)
      log::info("gateway", "client sent an oversized message; closed with 1009",
                {{"remote", remote_}});
    else
      fail(ec, "websocket read");
    return finish();
  }
  caf::anon_send(actor_, atom::client_text_v,
                 beast::buffers_to_string(buffer_.data()));
  buffer_.consume(buffer_.size());
  do_read();
}

void websocket_session::start_writer() {
  asio::post(ws_.get_executor(),
             [self = shared_from_this()] { self->do_write(); });
}

void websocket_session::notify_drained() {
  // May run on the session's thread (notify_below): actor_ belongs to the
  // strand, so read it there.
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->actor_)
      caf::anon_send(self->actor_, atom::write_done_v);
  });
}

// Writes the next queued batch, if any (on the strand).
void websocket_session::do_write() {
  if (closing_ || pending_close_ || writing_)
    return;
  if (auto message = next_write())
    do_write_message(std::move(message));
}

void websocket_session::do_write_message(frame_ptr message) {
  writing_ = true;
  current_ = std::move(message);
  ws_.text(true);
  ws_.async_write(asio::buffer(*current_),
                  beast::bind_front_handler(&websocket_session::on_write,
                                            shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  current_.reset(); // lets the queue reuse the batch buffer
  if (ec) {
    fail(ec, "websocket write");
    return;
  }
  if (pending_close_) {
    if (close_last_) // e.g. Socket.IO's DISCONNECT, then the close
      return do_write_message(std::move(close_last_));
    pending_close_ = false;
    return do_close(close_code_, std::move(close_reason_));
  }
  do_write();
}

void websocket_session::close(uint16_t code, std::string reason,
                              frame_ptr last) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code,
                                  reason = std::move(reason),
                                  last = std::move(last)]() mutable {
    if (self->closing_ || self->pending_close_)
      return;
    // Beast allows one write-like operation at a time: the last message and
    // the close follow the write in progress.
    self->pending_close_ = true;
    self->close_code_ = code;
    self->close_reason_ = std::move(reason);
    self->close_last_ = std::move(last);
    if (!self->writing_)
      self->on_write({}, 0);
  });
}

void websocket_session::do_close(uint16_t code, std::string reason) {
  if (closing_)
    return;
  closing_ = true;
  if (reason.size() > 120)
    reason.resize(120); // a close reason must fit in a control frame
  ws_.async_close(websocket::close_reason{static_cast<websocket::close_code>(code), reason},
                  [self = shared_from_this()](beast::error_code ec) {
                    if (ec)
                      fail(ec, "websocket close");
                  });
}

void websocket_session::finish() {
  if (actor_) {
    caf::anon_send(actor_, atom::closed_v);
    actor_ = caf::actor{};
  }
}

} // namespace flux::gateway
