#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// Accepts TCP connections and starts an http_session for each.
//
// - Over gateway.max-connections open connections (HTTP and WebSocket) or
//   gateway.max-http-connections not yet upgraded, a new connection gets
//   503 with the reason and Retry-After, and is closed.
// - Out of descriptors (EMFILE, ENFILE) or kernel memory: the waiting
//   connections are answered 503 through a reserve descriptor (kept open on
//   /dev/null for that), accepting pauses for accept_backoff, and the
//   warning is logged at most once per warn_interval with the count of the
//   ones left out: no busy loop, no log flood, and health checks get an
//   answer.
namespace flux::gateway {

class listener : public std::enable_shared_from_this<listener> {
public:
  // Binds and listens; throws std::runtime_error with a clear message when
  // the address cannot be used.
  listener(asio::io_context& ioc, tcp::endpoint endpoint,
           std::shared_ptr<context> ctx);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  void run();
  void stop();
  uint16_t port() const;

  static constexpr std::chrono::milliseconds accept_backoff{100};
  static constexpr std::chrono::seconds warn_interval{5};

private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Why a new connection must be refused ("" when it may stay).
  const char* over_limit() const;
  void shed_with_reserve();
  void warn(beast::error_code ec);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::shared_ptr<context> ctx_;
  int reserve_fd_ = -1;
  std::chrono::steady_clock::time_point last_warn_{};
  uint64_t suppressed_ = 0;
};

} // namespace flux::gateway
