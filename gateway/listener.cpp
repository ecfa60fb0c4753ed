#include "gateway/listener.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

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

std::string busy_response(const char* reason) {
  std::string body = std::string{"{\"error\":\""} + reason + "\"}";
  return "HTTP/1.1 503 Service Unavailable\r\nServer: flux\r\n"
         "Content-Type: application/json\r\nCache-Control: no-store\r\n"
         "Retry-After: 1\r\nConnection: close\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Answers 503 on a connection that is not kept, then half-closes and reads
// away what the client sends (at most 64 KiB, for at most 1 s) so that it
// reads the answer instead of a reset.
struct refusal : std::enable_shared_from_this<refusal> {
  refusal(tcp::socket&& s, const char* reason)
    : stream(std::move(s)), text(busy_response(reason)) {
  }

  void run() {
    stream.expires_after(std::chrono::seconds(1));
    asio::async_write(stream, asio::buffer(text),
                      [self = shared_from_this()](beast::error_code ec,
                                                  std::size_t) {
                        if (ec)
                          return;
                        self->stream.socket().shutdown(
                          tcp::socket::shutdown_send, ec);
                        self->read_away(0);
                      });
  }

  void read_away(std::size_t total) {
    if (total > 64 * 1024)
      return;
    stream.async_read_some(
      asio::buffer(discard), [self = shared_from_this(), total](
                               beast::error_code ec, std::size_t n) {
        if (!ec)
          self->read_away(total + n);
      });
  }

  beast::tcp_stream stream;
  std::string text;
  char discard[4096];
};

bool out_of_resources(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors
         || ec == asio::error::no_buffer_space || ec == asio::error::no_memory
         || (ec.category() == asio::error::get_system_category()
             && ec.value() == ENFILE);
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
  : ioc_(ioc), acceptor_(asio::make_strand(ioc)),
    backoff_(acceptor_.get_executor()), ctx_(std::move(ctx)) {
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  check(ec, "open", endpoint);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  check(ec, "configure", endpoint);
  acceptor_.bind(endpoint, ec);
  check(ec, "bind", endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  check(ec, "listen on", endpoint);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

listener::~listener() {
  if (reserve_fd_ >= 0)
    ::close(reserve_fd_);
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
    self->backoff_.cancel();
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
  if (ec && out_of_resources(ec)) {
    warn(ec);
    shed_with_reserve();
    backoff_.expires_after(accept_backoff);
    backoff_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  if (ec) {
    warn(ec); // e.g. the peer reset the connection before it was accepted
  } else if (auto why = over_limit()) {
    ++ctx_->rejected;
    std::make_shared<refusal>(std::move(socket), why)->run();
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

const char* listener::over_limit() const {
  if (ctx_->stopping)
    return "shutting down";
  auto http = ctx_->http_connections.load();
  if (http + ctx_->websockets.load()
      >= static_cast<int64_t>(ctx_->opts.max_connections))
    return "connection limit reached (gateway.max-connections)";
  if (http >= static_cast<int64_t>(ctx_->opts.max_http_connections))
    return "too many HTTP connections (gateway.max-http-connections)";
  return nullptr;
}

// Frees the reserve descriptor to accept what is waiting, answers each 503
// at once (a blocking-free send of a few bytes) and closes it, then takes
// the reserve back. The request is read first so the close is not a reset.
void listener::shed_with_reserve() {
  if (reserve_fd_ < 0) {
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return;
  }
  ::close(reserve_fd_);
  static const std::string busy =
    busy_response("out of file descriptors; retry later");
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      break;
    char request[4096];
    (void)!::recv(fd, request, sizeof request, MSG_DONTWAIT);
    (void)!::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    ++ctx_->rejected;
  }
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void listener::warn(beast::error_code ec) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_warn_ < warn_interval) {
    ++suppressed_;
    return;
  }
  log::warn("gateway", "accept failed",
            {{"error", ec.message()},
             {"suppressed", std::to_string(suppressed_)}});
  last_warn_ = now;
  suppressed_ = 0;
}

} // namespace flux::gateway
