#pragma once

#include <memory>
#include <string>

#include "actors/client_socket.hpp"
#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// One WebSocket connection. It owns the Beast stream; everything the client
// says goes to its session actor as text, and the actor's writes and close
// come back here. All stream operations run on the stream's strand, with one
// write outstanding at a time (the session actor never issues a second
// before this one reports write_done).
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
  void write(frame_ptr message) override;
  void close(uint16_t code, std::string reason) override;
  std::string remote() const override { return remote_; }

private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write(frame_ptr message);
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close(uint16_t code, std::string reason);
  void finish();

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<context> ctx_;
  wire_format wire_;
  beast::flat_buffer buffer_;
  caf::actor actor_;
  std::string remote_;
  bool writing_ = false;
  bool closing_ = false;
  bool pending_close_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
  bool counted_ = false;
};

} // namespace flux::gateway
