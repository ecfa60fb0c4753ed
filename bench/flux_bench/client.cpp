#include "flux_bench/client.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "flux_bench/clock.hpp"
#include "flux_bench/message_scan.hpp"
#include "flux_bench/run_state.hpp"
#include "flux_bench/validate.hpp"
#include "flux_bench/ws_frame.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace flux_bench {

void client::start() {
  auto& o = *g_opts;
  t_start_ = mono_us();
  ++w_.st.attempts;
  auto& sock = stream_.socket();
  beast::error_code ec;
  sock.open(tcp::v4(), ec);
  if (ec)
    return fail("open: " + ec.message());
  int one = 1;
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
               &one, sizeof one);
  // 127.0.0.1, then 127.0.0.2, … every per_source_addr connections.
  auto slot = static_cast<uint32_t>(index_ / o.per_source_addr);
  asio::ip::address_v4 src{0x7f000001u + std::min<uint32_t>(slot, 250)};
  sock.bind(tcp::endpoint{src, 0}, ec);
  if (ec)
    return fail("bind " + src.to_string() + ": " + ec.message());
  stream_.expires_after(std::chrono::seconds(10));
  stream_.async_connect(
    g_server, [self = shared_from_this()](beast::error_code ec) {
      self->on_connect(ec);
    });
}

void client::on_connect(beast::error_code ec) {
  if (ec)
    return fail("connect: " + ec.message());
  stream_.socket().set_option(tcp::no_delay(true), ec);
  // The opening handshake (RFC 6455 4.1), read with a buffer of our own:
  // what the server sends right after its 101 (Socket.IO's open packet)
  // may come in the same read.
  req_.method(http::verb::get);
  req_.target(g_opts->path);
  req_.version(11);
  req_.set(http::field::host,
           g_opts->host + ":" + std::to_string(g_opts->port));
  req_.set(http::field::upgrade, "websocket");
  req_.set(http::field::connection, "Upgrade");
  req_.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req_.set(http::field::sec_websocket_version, "13");
  stream_.expires_after(std::chrono::seconds(20));
  http::async_write(stream_, req_,
                    [self = shared_from_this()](beast::error_code ec,
                                                std::size_t) {
                      if (ec)
                        return self->fail("handshake: " + ec.message());
                      http::async_read(self->stream_, self->hbuf_, self->res_,
                                       [self](beast::error_code ec,
                                              std::size_t) {
                                         self->on_handshake(ec);
                                       });
                    });
}

void client::on_handshake(beast::error_code ec) {
  if (ec)
    return fail("handshake: " + ec.message());
  if (res_.result() != http::status::switching_protocols)
    return fail("handshake: HTTP " + std::to_string(res_.result_int()));
  // From here on the client frames messages itself: a read costs one
  // recv of whatever arrived, however many messages that holds, and an
  // idle client holds no read buffer (one per worker thread).
  stream_.expires_never();
  sock_.emplace(stream_.release_socket());
  sock_->non_blocking(true, ec);
  connected_ = true;
  t_connected_ = mono_us();
  ++w_.st.connected;
  w_.connected_count.fetch_add(1, std::memory_order_relaxed);
  w_.st.connect_us.record(t_connected_ - t_start_);
  connect_done();
  if (g_opts->protocol == "native") {
    if (g_opts->auth_tokens.empty())
      send_subscribes();
    else
      start_auth(); // client_auth.cpp
  }
  // socketio: wait for the Engine.IO open packet, then CONNECT.
  if (hbuf_.size() > 0) {
    std::string early = beast::buffers_to_string(hbuf_.data());
    hbuf_ = beast::flat_buffer{};
    consume(early.data(), early.size());
    if (ended_)
      return;
  }
  res_ = {};
  do_read();
}

void client::connect_done() {
  if (!churn_ && w_.inflight_connects > 0) {
    --w_.inflight_connects;
    start_pending(w_);
  }
}

void client::send_subscribes() {
  auto& o = *g_opts;
  t_sub_ = mono_us();
  for (size_t j = 0; j < o.subs; ++j) {
    std::string room;
    if (!o.rooms_list.empty())
      room = o.rooms_list[(index_ * o.subs + j) % o.rooms_list.size()];
    else
      room = o.room_prefix + std::to_string((index_ * o.subs + j) % o.rooms);
    if (o.protocol == "native")
      send("{\"op\":\"subscribe\",\"room\":\"" + room + "\",\"id\":"
           + std::to_string(j + 1) + "}");
    else
      send("42[\"" + o.sio_subscribe + "\",{\"room\":\"" + room + "\"}]");
  }
}

void client::send(std::string text, uint8_t opcode) {
  out_.push_back(masked_frame(opcode, text, mask_seed_));
  if (!writing_)
    do_write();
}

void client::do_write() {
  if (out_.empty() || ended_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(*sock_, asio::buffer(out_.front()),
                  [self = shared_from_this()](beast::error_code ec,
                                              std::size_t) {
                    self->out_.pop_front();
                    if (ec) {
                      self->writing_ = false;
                      return; // the read side reports the failure
                    }
                    self->do_write();
                  });
}

void client::do_read() {
  sock_->async_wait(tcp::socket::wait_read,
                    [self = shared_from_this()](beast::error_code ec) {
                      self->on_readable(ec);
                    });
}

void client::on_readable(beast::error_code ec) {
  if (ended_)
    return;
  if (ec)
    return on_end(ec.message());
  // Until the socket is empty: readiness is edge-triggered.
  static thread_local std::vector<char> buf(256 * 1024);
  for (int round = 0; round < 4; ++round) {
    auto n = sock_->read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
      return do_read();
    if (ec)
      return on_end(ec.message());
    consume(buf.data(), n);
    if (ended_)
      return;
  }
  asio::post(sock_->get_executor(),
             [self = shared_from_this()] { self->on_readable({}); });
}

void client::consume(const char* bytes, size_t n) {
  const char* data = bytes;
  size_t size = n;
  if (!in_.empty()) { // the rest of a frame from the last read
    in_.append(bytes, n);
    data = in_.data();
    size = in_.size();
  }
  size_t off = 0;
  while (!ended_ && size - off >= 2) {
    auto b0 = static_cast<uint8_t>(data[off]);
    auto b1 = static_cast<uint8_t>(data[off + 1]);
    uint64_t len = b1 & 0x7F;
    size_t head = 2;
    if (len == 126) {
      if (size - off < 4)
        break;
      len = (uint64_t{static_cast<uint8_t>(data[off + 2])} << 8)
            | static_cast<uint8_t>(data[off + 3]);
      head = 4;
    } else if (len == 127) {
      if (size - off < 10)
        break;
      len = 0;
      for (int i = 0; i < 8; ++i)
        len = (len << 8) | static_cast<uint8_t>(data[off + 2 + i]);
      head = 10;
    }
    if ((b1 & 0x80) != 0 || len > (64u << 20))
      return on_end("bad server frame (masked or over 64 MB)");
    if (size - off < head + len)
      break;
    const char* payload = data + off + head;
    off += head + static_cast<size_t>(len);
    on_frame(b0, payload, static_cast<size_t>(len));
  }
  if (ended_)
    return;
  if (in_.empty()) {
    if (off < size)
      in_.assign(data + off, size - off);
  } else {
    in_.erase(0, off);
    if (in_.capacity() > (1u << 20) && in_.size() < 4096)
      in_.shrink_to_fit();
  }
}

void client::on_frame(uint8_t b0, const char* payload, size_t size) {
  bool fin = (b0 & 0x80) != 0;
  uint8_t op = b0 & 0x0F;
  switch (op) {
    case 0x0: case 0x1: case 0x2:
      if (!fin || !msg_.empty()) { // a fragmented message
        msg_.append(payload, size);
        if (!fin)
          return;
        std::string whole;
        whole.swap(msg_);
        on_message(whole.data(), whole.size());
        return;
      }
      on_message(payload, size);
      return;
    case 0x8: {
      std::string why = "closed";
      if (size >= 2)
        why += " " + std::to_string((static_cast<uint8_t>(payload[0]) << 8)
                                    | static_cast<uint8_t>(payload[1]));
      if (size > 2)
        why += " " + std::string(payload + 2, size - 2);
      return on_end(why);
    }
    case 0x9:
      send(std::string(payload, size), 0xA); // pong
      return;
    default:
      return; // pong
  }
}

void client::on_end(const std::string& why) {
  if (ended_)
    return;
  ended_ = true;
  beast::error_code ignored;
  sock_->close(ignored);
  if (closing_ && churn_)
    return churn_finished(true);
  ++w_.st.closed;
  ++w_.st.close_reasons[why];
  if (churn_)
    churn_finished(false);
}

void client::on_message(const char* p, size_t n) {
  auto now_real = realtime_us();
  auto size = n;
  scan_result r;
  bool measuring = g_state->measuring.load(std::memory_order_relaxed);
  if (g_opts->protocol == "native")
    scan_native(p, p + size, now_real, measuring, w_.st, r);
  else
    scan_socketio(p, p + size, now_real, measuring, *g_opts, w_.st, r);
  if (g_opts->validate)
    validate_message(p, size, r, *g_opts, w_.st);
  w_.st.events_total += r.events;
  if (r.events > 0 && !g_state->any_event.load(std::memory_order_relaxed))
    g_state->any_event.store(true, std::memory_order_relaxed);
  w_.st.bytes_total += n;
  if (measuring) {
    w_.st.events += r.events;
    w_.st.bytes += n;
    ++w_.st.messages;
  }
  w_.st.server_errors += r.errors;
  if (auth_pending_ && auth_step(p, size, r))
    return;
  if (churn_ && !ready_ && r.errors > 0 && g_opts->protocol == "native")
    return refused("error frame before the snapshot", p, size);

  if (r.eio_ping)
    send("3");
  if (r.eio_open)
    send("40");
  if (r.sio_connected)
    send_subscribes();
  if (r.sio_refused) {
    ++w_.st.failed;
    ++w_.st.fail_reasons["socket.io connect refused"];
    return close_now();
  }
  if (r.snapshots > 0 && !ready_) {
    snapshots_ += r.snapshots;
    if (snapshots_ >= g_opts->subs) {
      ready_ = true;
      auto now = mono_us();
      w_.st.snapshot_us.record(now - t_start_);
      w_.st.sub_snap_us.record(now - t_sub_);
      ++w_.st.ready;
      w_.ready_count.fetch_add(1, std::memory_order_relaxed);
      if (churn_) {
        // Leave: a clean close handshake (our close, the server's answer),
        // then we are done.
        send(std::string("\x03\xE8", 2), 0x8);
        closing_ = true;
      }
    }
  }
}

void client::fail(std::string why) {
  ++w_.st.failed;
  w_.failed_count.fetch_add(1, std::memory_order_relaxed);
  // Group reasons by their text without the address details.
  ++w_.st.fail_reasons[why];
  if (churn_) {
    --w_.churn_inflight;
    ++w_.st.churn_failed;
    return;
  }
  connect_done();
}

void client::churn_finished(bool ok) {
  --w_.churn_inflight;
  if (ok && ready_)
    ++w_.st.churn_done;
  else
    ++w_.st.churn_failed;
}

void client::close_now() {
  closing_ = true;
  ended_ = true;
  beast::error_code ec;
  if (sock_)
    sock_->close(ec);
  else
    stream_.socket().close(ec);
}

void client::start_pending(worker& w) {
  size_t limit = std::max<size_t>(1, g_opts->connect_concurrency
                                       / g_opts->threads);
  while (!w.pending.empty() && w.inflight_connects < limit
         && !g_state->stopping.load(std::memory_order_relaxed)) {
    auto idx = w.pending.front();
    w.pending.pop_front();
    auto c = std::make_shared<client>(w, idx, false);
    w.clients.push_back(c);
    ++w.inflight_connects;
    c->start();
  }
}

} // namespace flux_bench
