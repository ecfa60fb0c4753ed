#include "gateway/listener.hpp"

#include <stdexcept>

#include "core/logger.hpp"
#include "gateway/http_session.hpp"

namespace flux::gateway {

namespace {

void check(beast::error_code ec, const char* what, const tcp::endpoint& ep) {
  if (ec)
    throw std::runtime_error(std::string{"cannot "} + what + " "
                             + ep.address().to_string() + ":"
                             + std::to_string(ep.port()) + ": "
                             + ec.message());
}

} // namespace

void fail(beast::error_code ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == websocket::error::closed
      || ec == beast::error::timeout || ec == asio::error::eof
      || ec == asio::error::connection_reset || ec == asio::error::broken_pipe
      || ec == http::error::end_of_stream)
    return;
  log::debug("gateway", "connection error",
             {{"op", what}, {"error", ec.message()}});
}

listener::listener(asio::io_context& ioc, tcp::endpoint endpoint,
                   std::shared_ptr<context> ctx)
  : ioc_(ioc), acceptor_(asio::make_strand(ioc)), ctx_(std::move(ctx)) {
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  check(ec, "open", endpoint);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  check(ec, "configure", endpoint);
  acceptor_.bind(endpoint, ec);
  check(ec, "bind", endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  check(ec, "listen on", endpoint);
}

uint16_t listener::port() const {
  return acceptor_.local_endpoint().port();
}

void listener::run() {
  do_accept();
}

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
  });
}

void listener::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         beast::bind_front_handler(&listener::on_accept,
                                                   shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted)
    return; // closed at shutdown
  if (ec) {
    // E.g. out of file descriptors: log, and keep accepting.
    log::warn("gateway", "accept failed", {{"error", ec.message()}});
  } else {
    ++ctx_->accepted;
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (ctx_->opts.send_buffer_bytes > 0)
      socket.set_option(asio::socket_base::send_buffer_size(static_cast<int>(
                          ctx_->opts.send_buffer_bytes)),
                        ignored);
    std::make_shared<http_session>(std::move(socket), ctx_)->run();
  }
  if (acceptor_.is_open())
    do_accept();
}

} // namespace flux::gateway
