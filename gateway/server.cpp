#include "gateway/server.hpp"

#include "gateway/listener.hpp"

namespace flux::gateway {

server::server(caf::actor_system& sys, options opts, node_actor node,
               room_directory_actor directory)
  : ctx_(std::make_shared<context>(sys, std::move(opts), std::move(node),
                                   std::move(directory))),
    ioc_(static_cast<int>(ctx_->opts.io_threads)) {
}

server::~server() {
  stop(std::chrono::milliseconds{0});
}

uint16_t server::start() {
  auto address = asio::ip::make_address(ctx_->opts.bind);
  listener_ = std::make_shared<listener>(
    ioc_, tcp::endpoint{address, ctx_->opts.port}, ctx_);
  // Spawned once the port is bound: stop() ends it, and only runs after a
  // successful start.
  if (ctx_->opts.ingest.bus)
    ctx_->ingest_pump = ctx_->sys.spawn(ingest_pump, ctx_->opts.ingest.bus,
                                        ctx_->directory, ctx_->backlog);
  log_ops_mode(ctx_->ops, ctx_->opts.bind);
  listener_->run();
  for (size_t i = 0; i < ctx_->opts.io_threads; ++i)
    threads_.emplace_back([this] { ioc_.run(); });
  return listener_->port();
}

void server::stop_accepting() {
  if (threads_.empty() || ctx_->stopping.exchange(true))
    return;
  listener_->stop();
}

void server::stop(std::chrono::milliseconds grace) {
  if (threads_.empty())
    return;
  stop_accepting();
  // Let close handshakes already under way finish, but not forever.
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (ctx_->websockets.load() > 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  ioc_.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  if (ctx_->ingest_pump)
    caf::anon_send_exit(ctx_->ingest_pump, caf::exit_reason::user_shutdown);
}

} // namespace flux::gateway
