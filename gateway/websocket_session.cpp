#include "gateway/websocket_session.hpp"

#include <cerrno>

#include <sys/socket.h>
#include <sys/uio.h>

#include "core/logger.hpp"
#include "core/type_ids.hpp"
#include "sessions/session.hpp"

namespace flux::gateway {

namespace {

// How long a closing connection waits for the client's close frame.
constexpr auto close_timeout = std::chrono::seconds(5);

// Rounds of writes one do_write() makes before letting other connections on
// the I/O thread go first.
constexpr int write_rounds = 16;

} // namespace

websocket_session::websocket_session(tcp::socket&& socket,
                                     std::shared_ptr<context> ctx,
                                     wire_format wire,
                                     std::string query_token)
  : socket_(std::move(socket)),
    ctx_(std::move(ctx)),
    wire_(wire),
    query_token_(std::move(query_token)),
    reader_(ctx_->opts.max_frame_bytes, false),
    heartbeat_(socket_.get_executor()) {
  beast::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec)
    remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

websocket_session::~websocket_session() {
  if (counted_)
    --ctx_->websockets;
}

void websocket_session::run(http::request<http::string_body> req) {
  handshake_ = std::make_unique<websocket::stream<beast::tcp_stream>>(
    std::move(socket_));
  auto& ws = *handshake_;
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t;
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator(
    [](websocket::response_type& res) {
      res.set(http::field::server, "flux");
    }));
  ws.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                 shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec)
    return fail(ec, "websocket accept");
  // From here on the connection is framed here (gateway/ws_frame): take
  // the socket back and let the handshake's stream go, after this handler.
  socket_ = handshake_->next_layer().release_socket();
  asio::post(socket_.get_executor(), [h = std::move(handshake_)] {});
  socket_.non_blocking(true, ec);
  if (ec)
    return fail(ec, "websocket non-blocking mode");
  ++ctx_->upgrades;
  ++ctx_->websockets;
  counted_ = true;
  auto id = "s-" + std::to_string(++ctx_->session_ids);
  auto opts = ctx_->opts.session;
  opts.wire = wire_;
  opts.auth_token = ctx_->opts.auth_token;
  opts.query_token = std::move(query_token_);
  actor_ = ctx_->sys.spawn(session, id,
                           std::static_pointer_cast<client_socket>(
                             shared_from_this()),
                           ctx_->directory, ctx_->node, opts);
  log::debug("gateway", "websocket client connected",
             {{"session", id}, {"remote", remote_}});
  do_read();
  do_heartbeat();
}

// -- reading ------------------------------------------------------------------

void websocket_session::do_read() {
  socket_.async_wait(tcp::socket::wait_read,
                     beast::bind_front_handler(&websocket_session::on_readable,
                                               shared_from_this()));
}

void websocket_session::on_readable(beast::error_code ec) {
  if (gone_)
    return;
  if (ec) {
    fail(ec, "websocket read");
    return teardown();
  }
  // One read buffer per I/O thread: an idle connection holds none. Read
  // until the socket is empty: readiness is edge-triggered, so bytes left
  // behind would wait for the client's next send.
  static thread_local std::array<uint8_t, 64 * 1024> buf;
  std::vector<ws::input> inputs;
  for (int round = 0; round < 4; ++round) {
    auto n = socket_.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
      return do_read();
    if (ec) {
      if (!close_sent_) // an end without a close frame
        fail(ec, "websocket read");
      return teardown();
    }
    inputs.clear();
    reader_.feed(buf.data(), n, inputs);
    // Anything but pings shows the client is there: a client that only
    // pings could be one that never reads (it would never answer ours).
    bool only_pings = !inputs.empty();
    for (auto& in : inputs)
      only_pings = only_pings && in.kind == ws::input::ping;
    if (!only_pings) {
      heard_ = true;
      if (!close_requested_)
        pinged_ = false;
    }
    for (auto& in : inputs) {
      on_input(in);
      if (gone_)
        return;
    }
    if (pong_)
      do_write(); // once per read, however many pings it held
    // Read on even after a close: the end of the stream ends the session.
  }
  // Still more to read: the other connections on this thread go first.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->on_readable({});
  });
}

void websocket_session::on_input(ws::input& in) {
  switch (in.kind) {
    case ws::input::message:
      if (!close_requested_ && actor_)
        caf::anon_send(actor_, atom::client_text_v, std::move(in.payload));
      break;
    case ws::input::ping:
      // Replaces a pong not yet written: only the latest ping is answered.
      if (!close_sent_)
        pong_ = make_frame(ws::make_frame(ws::op_pong, in.payload));
      break;
    case ws::input::pong:
      break; // heard_ is set already (pongs count)
    case ws::input::close:
      if (close_sent_) // the answer to ours: the handshake is complete
        return teardown();
      // The client closes: answer with its code (RFC 6455 5.5.1).
      begin_close(in.code == 1005 ? ws::close_normal : in.code, "", nullptr);
      break;
    case ws::input::error:
      if (in.code == ws::close_too_big)
        log::info("gateway", "client sent an oversized message; closed with 1009",
                  {{"remote", remote_}});
      else
        log::info("gateway", "client broke the WebSocket protocol; closing",
                  {{"remote", remote_}, {"reason", in.payload},
                   {"code", std::to_string(in.code)}});
      begin_close(in.code, in.payload, nullptr);
      break;
  }
}

// -- writing ------------------------------------------------------------------

void websocket_session::start_writer() {
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->do_write(); });
}

void websocket_session::notify_drained() {
  // May run on the session's thread (notify_below): actor_ belongs to the
  // strand, so read it there.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->actor_)
      caf::anon_send(self->actor_, atom::drained_v);
  });
}

// Takes the next frames to write: control frames first (they go between
// messages, never inside one), then queued messages, or at the end the last
// message and the close frame. False when there is nothing to write.
bool websocket_session::fill_gather() {
  gathered_ = 0;
  sent_ = 0;
  auto add = [this](frame_ptr payload, bool framed) {
    auto& f = gather_[gathered_++];
    f.header_size = framed ? 0
                           : static_cast<uint8_t>(ws::write_header(
                               f.header.data(), ws::op_text, payload->size()));
    f.payload = std::move(payload);
  };
  if (pong_)
    add(std::move(pong_), true);
  if (ping_)
    add(std::move(ping_), true);
  if (!close_requested_) {
    while (gathered_ < max_gather) {
      auto message = next_write();
      if (!message)
        break;
      add(std::move(message), false);
    }
  } else if (!close_sent_ && gathered_ + 2 <= max_gather) {
    if (close_last_) // e.g. Socket.IO's DISCONNECT, then the close
      add(std::move(close_last_), false);
    add(make_frame(ws::make_close_frame(close_code_, close_reason_)), true);
    close_sent_ = true;
  }
  return gathered_ > 0;
}

void websocket_session::do_write() {
  if (gone_ || waiting_writable_ || shut_)
    return;
  for (int round = 0; round < write_rounds; ++round) {
    if (gathered_ == 0 && !fill_gather())
      return; // idle until the next send() or control frame
    // The unsent part of the gathered frames, as one sendmsg.
    iovec iov[2 * max_gather];
    size_t count = 0;
    size_t skip = sent_;
    size_t left = 0;
    auto piece = [&](const void* data, size_t size) {
      if (skip >= size) {
        skip -= size;
        return;
      }
      iov[count].iov_base = const_cast<char*>(static_cast<const char*>(data))
                            + skip;
      iov[count].iov_len = size - skip;
      left += size - skip;
      skip = 0;
      ++count;
    };
    for (size_t i = 0; i < gathered_; ++i) {
      auto& f = gather_[i];
      piece(f.header.data(), f.header_size);
      piece(f.payload->data(), f.payload->size());
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    auto n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break; // wait until writable
      fail(beast::error_code{errno, boost::system::system_category()},
           "websocket write");
      return teardown();
    }
    wrote_ = wrote_ || n > 0;
    if (static_cast<size_t>(n) < left) {
      sent_ += static_cast<size_t>(n);
      break; // the kernel took part of it: wait until writable
    }
    // All written: let go of the bytes (the queue reuses its batch buffer).
    for (size_t i = 0; i < gathered_; ++i)
      gather_[i].payload.reset();
    gathered_ = 0;
    sent_ = 0;
    if (close_sent_) {
      // Our close frame is out: no more data from us; wait for the
      // client's close (or the end of the stream), a few seconds at most.
      beast::error_code ec;
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      shut_ = true;
      heartbeat_.expires_after(close_timeout);
      heartbeat_.async_wait(beast::bind_front_handler(
        &websocket_session::on_heartbeat, shared_from_this()));
      return;
    }
  }
  if (gathered_ > 0) {
    waiting_writable_ = true;
    socket_.async_wait(tcp::socket::wait_write,
                       beast::bind_front_handler(
                         &websocket_session::on_writable, shared_from_this()));
    return;
  }
  // Still busy after several rounds: the other connections go first.
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->do_write(); });
}

void websocket_session::on_writable(beast::error_code ec) {
  waiting_writable_ = false;
  if (gone_)
    return;
  if (ec) {
    fail(ec, "websocket write");
    return teardown();
  }
  do_write();
}

// -- closing ------------------------------------------------------------------

void websocket_session::close(uint16_t code, std::string reason,
                              frame_ptr last) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), code, reason = std::move(reason),
              last = std::move(last)]() mutable {
               self->begin_close(code, std::move(reason), std::move(last));
             });
}

void websocket_session::begin_close(uint16_t code, std::string reason,
                                    frame_ptr last) {
  if (gone_ || close_requested_)
    return;
  // The write in progress completes, then `last` and the close frame go;
  // queued messages are dropped.
  close_requested_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  close_last_ = std::move(last);
  do_write();
}

void websocket_session::do_heartbeat() {
  if (ctx_->opts.heartbeat_ms <= 0)
    return;
  heartbeat_.expires_after(std::chrono::milliseconds{ctx_->opts.heartbeat_ms / 2});
  heartbeat_.async_wait(beast::bind_front_handler(
    &websocket_session::on_heartbeat, shared_from_this()));
}

void websocket_session::on_heartbeat(beast::error_code ec) {
  if (ec || gone_)
    return; // cancelled
  if (shut_)
    return teardown(); // the client never answered our close
  // A write stuck for a whole heartbeat (two ticks with no byte out): the
  // client reads nothing, whatever it sends (e.g. pings).
  stalled_ = waiting_writable_ && !wrote_ ? stalled_ + 1 : 0;
  wrote_ = false;
  if (stalled_ >= 2) {
    log::info("gateway", "websocket client reads nothing; dropped",
              {{"remote", remote_}});
    return teardown();
  }
  // Silent for half the heartbeat: ping; silent for the next half too: gone.
  // A close that cannot go out (the client reads nothing) ends the same way.
  if (heard_ && !close_requested_) {
    heard_ = false;
  } else if (pinged_) {
    if (!close_requested_)
      log::info("gateway", "websocket client timed out (no answer to a ping)",
                {{"remote", remote_}});
    return teardown();
  } else {
    pinged_ = true;
    if (!close_requested_) {
      ping_ = make_frame(ws::make_frame(ws::op_ping, ""));
      do_write();
    }
  }
  do_heartbeat();
}

void websocket_session::teardown() {
  if (gone_)
    return;
  gone_ = true;
  beast::error_code ec;
  socket_.close(ec); // cancels the waits: their handlers see gone_
  heartbeat_.cancel();
  for (size_t i = 0; i < gathered_; ++i)
    gather_[i].payload.reset();
  gathered_ = 0;
  pong_.reset();
  ping_.reset();
  close_last_.reset();
  finish();
}

void websocket_session::finish() {
  if (actor_) {
    caf::anon_send(actor_, atom::closed_v);
    actor_ = session_actor{};
  }
}

} // namespace flux::gateway
