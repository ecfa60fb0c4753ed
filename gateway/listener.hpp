#pragma once

#include <memory>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// Accepts TCP connections and starts an http_session for each.
namespace flux::gateway {

class listener : public std::enable_shared_from_this<listener> {
public:
  // Binds and listens; throws std::runtime_error with a clear message when
  // the address cannot be used.
  listener(asio::io_context& ioc, tcp::endpoint endpoint,
           std::shared_ptr<context> ctx);

  void run();
  void stop();
  uint16_t port() const;

private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  std::shared_ptr<context> ctx_;
};

} // namespace flux::gateway
