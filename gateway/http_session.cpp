#include "gateway/http_session.hpp"

#include "gateway/websocket_session.hpp"

namespace flux::gateway {

http_session::http_session(tcp::socket&& socket, std::shared_ptr<context> ctx)
  : stream_(std::move(socket)), ctx_(std::move(ctx)) {
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_session::do_read,
                                           shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(64 * 1024);
  stream_.expires_after(std::chrono::seconds(30));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read,
                                             shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return do_close();
  if (ec)
    return fail(ec, "http read");
  auto req = parser_->release();
  if (websocket::is_upgrade(req)) {
    std::string target{req.target()};
    if (auto q = target.find('?'); q != std::string::npos)
      target.resize(q);
    if (target != "/ws") {
      return send(make_response(req, http::status::not_found,
                                "{\"error\":\"WebSocket endpoint is /ws\"}",
                                "application/json"));
    }
    if (ctx_->stopping
        || ctx_->websockets.load()
             >= static_cast<int64_t>(ctx_->opts.max_connections)) {
      ++ctx_->rejected;
      auto res = make_response(req, http::status::service_unavailable,
                               "{\"error\":\"connection limit reached\"}",
                               "application/json");
      res.keep_alive(false);
      return send(std::move(res));
    }
    std::make_shared<websocket_session>(stream_.release_socket(), ctx_)
      ->run(std::move(req));
    return;
  }
  auto self = shared_from_this();
  route(ctx_, req, [self](response res) {
    asio::post(self->stream_.get_executor(),
               [self, res = std::move(res)]() mutable {
                 self->send(std::move(res));
               });
  });
}

void http_session::send(response res) {
  pending_ = std::make_shared<response>(std::move(res));
  auto keep_alive = pending_->keep_alive();
  http::async_write(stream_, *pending_,
                    beast::bind_front_handler(&http_session::on_write,
                                              shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec,
                            std::size_t) {
  pending_.reset();
  if (ec)
    return fail(ec, "http write");
  if (!keep_alive)
    return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

} // namespace flux::gateway
