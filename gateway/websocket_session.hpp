#pragma once

#include <memory>
#include <string>

#include "actors/client_socket.hpp"
#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// One WebSocket connection. It owns the Beast stream; everything the client
// says goes to its session actor as text. What the actor queues (see
// client_socket) is written from the stream's strand, one write at a time:
// when a write completes the next batch goes out at once.
namespace flux::gateway {

class websocket_session
  : public client_socket,
    public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(tcp::socket&& socket, std::shared_ptr<context> ctx,
                    wire_format wire);
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
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void do_write_message(frame_ptr message);
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close(uint16_t code, std::string reason);
  void finish();

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<context> ctx_;
  wire_format wire_;
  beast::flat_buffer buffer_;
  caf::actor actor_;
  std::string remote_;
  frame_ptr current_; // the message being written
  bool writing_ = false;
  bool closing_ = false;
  bool pending_close_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
  frame_ptr close_last_; // written right before the close frame
  bool counted_ = false;
};

} // namespace flux::gateway
