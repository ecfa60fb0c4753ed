#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// The gateway: one port for HTTP and WebSocket, served by its own Asio
// threads (never CAF's scheduler threads).
namespace flux::gateway {

class listener;

class server {
public:
  server(caf::actor_system& sys, options opts, node_actor node,
         room_directory_actor directory);
  ~server();

  // Binds and starts the I/O threads; returns the bound port. Throws
  // std::runtime_error when the address cannot be used.
  uint16_t start();

  // Closes the listening socket and refuses WebSocket upgrades still in
  // flight (503), so no client arrives after the node starts shutting down.
  // Open connections keep running.
  void stop_accepting();

  // Stops accepting (if not done yet), gives open connections `grace` to
  // finish their close handshakes, then stops the I/O threads.
  void stop(std::chrono::milliseconds grace);

  const std::shared_ptr<context>& ctx() const { return ctx_; }

private:
  std::shared_ptr<context> ctx_;
  asio::io_context ioc_;
  std::shared_ptr<listener> listener_;
  std::vector<std::thread> threads_;
};

} // namespace flux::gateway
