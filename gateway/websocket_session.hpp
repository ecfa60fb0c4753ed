#pragma once

#include <array>
#include <vector>
#include <memory>
#include <string>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"
#include "sessions/client_socket.hpp"
#include "wire/ws_frame.hpp"

// One WebSocket connection. Beast completes the opening handshake; after it
// the session frames messages itself (gateway/ws_frame): everything the
// client says goes to its session actor as text, and what the actor queues
// (see client_socket) is written from the socket's strand as ready-made
// frames, several per non-blocking sendmsg, straight from the shared frame
// bytes. Only a write the kernel cannot take at once waits for the socket
// to become writable; there is no composed write operation per message.
//
// An idle connection holds no read buffer: it waits for readability and
// reads into one buffer per I/O thread. Idle clients are pinged and dropped
// when they stay silent (heartbeat), as Beast's keep-alive pings did. The
// client's own pings do not count as hearing from it (a client that only
// pings may never read, and then never answers ours). A client whose writes
// make no progress for a whole heartbeat (it reads nothing) is dropped too,
// whatever it sends.
//
// Control frames are bounded apart from the session's byte budget: at most
// one pending pong (answering only the latest ping, RFC 6455 5.5.3), one
// pending ping of ours, and the close frame. Binary messages are refused
// with 1003 on both endpoints: the native protocol is JSON text, and Flux's
// Socket.IO takes no binary packets, so a binary frame is never valid.
namespace flux::gateway {

class websocket_session
  : public client_socket,
    public std::enable_shared_from_this<websocket_session> {
public:
  // `query_token`: the upgrade's ?token= (native clients), handed to the
  // session, which verifies it.
  websocket_session(tcp::socket&& socket, std::shared_ptr<context> ctx,
                    wire_format wire, std::string query_token = {});
  ~websocket_session() override;

  // Completes the upgrade for an HTTP request already read.
  void run(http::request<http::string_body> req);

  // client_socket
  void close(uint16_t code, std::string reason,
             frame_ptr last = nullptr) override;
  std::string remote() const override { return remote_; }

private:
  // client_socket
  void start_writer() override;
  void notify_drained() override;

  void on_accept(beast::error_code ec);
  void do_read();
  void on_readable(beast::error_code ec);
  void on_input(ws::input& in);
  void do_write();
  bool fill_gather();
  void on_writable(beast::error_code ec);
  void begin_close(uint16_t code, std::string reason, frame_ptr last);
  void do_heartbeat();
  void on_heartbeat(beast::error_code ec);
  void teardown();
  void finish();

  // A frame in the write being made: its header and payload (a control
  // frame is kept whole, header included, with no separate header).
  struct out_frame {
    frame_ptr payload;
    std::array<uint8_t, ws::max_header_bytes> header{};
    uint8_t header_size = 0;
  };
  static constexpr size_t max_gather = 8;

  tcp::socket socket_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> handshake_;
  std::shared_ptr<context> ctx_;
  wire_format wire_;
  std::string query_token_; // until the session takes it
  ws::reader reader_;
  asio::steady_timer heartbeat_;
  session_actor actor_;
  std::string remote_;
  frame_ptr pong_;                           // pending control frames,
  frame_ptr ping_;                           // whole, at most one each
  std::array<out_frame, max_gather> gather_; // the write in progress
  size_t gathered_ = 0;                      // frames in gather_
  size_t sent_ = 0;                          // bytes of them already sent
  bool waiting_writable_ = false;
  bool close_requested_ = false; // no more data messages
  bool close_sent_ = false;      // our close frame is in a write
  bool shut_ = false;            // our side of the TCP stream is shut down
  bool gone_ = false;            // socket closed, actor told
  uint16_t close_code_ = 0;
  std::string close_reason_;
  frame_ptr close_last_; // written right before the close frame
  bool heard_ = false;   // something read since the last heartbeat
  bool pinged_ = false;  // a ping is unanswered
  bool wrote_ = false;   // a write made progress since the last heartbeat
  int stalled_ = 0;      // heartbeat ticks in a row with a write stuck
  bool counted_ = false;
};

} // namespace flux::gateway
