#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"
#include "gateway/routes.hpp"

// One HTTP connection: reads requests (bounded in size and time), hands
// WebSocket upgrades on /ws to a websocket_session, and answers the rest
// through route(), one response at a time, keeping the connection alive.
namespace flux::gateway {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<context> ctx);

  void run();

private:
  void do_read();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_read(beast::error_code ec, std::size_t bytes);
  void send(response res);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void do_close();
  void drain(std::size_t total);
  void refuse_oversized();

  beast::tcp_stream stream_;
  std::shared_ptr<context> ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<response> pending_;
  bool draining_ = false;     // answering 413 to an oversized body
  std::vector<char> discard_; // what is read away meanwhile
};

} // namespace flux::gateway
