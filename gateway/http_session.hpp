#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"
#include "gateway/routes.hpp"

// One HTTP connection: reads requests (bounded in size and time), hands
// WebSocket upgrades on /ws to a websocket_session, and answers the rest
// through route(), one response at a time, keeping the connection alive.
//
// Every bad request gets an answer, then the connection is closed (what the
// client still sends is read away, bounded, so it sees the answer):
// - malformed request line or fields, a Transfer-Encoding other than
//   exactly "chunked", or one together with Content-Length (request
//   smuggling): 400;
// - request line and fields over header_limit bytes: 431; a target over
//   target_limit bytes: 414;
// - a body over its route's limit: 413; a body that would take the bytes
//   reserved by all bodies being read over gateway.max-inflight-body-bytes:
//   503 with Retry-After, before any of it is read;
// - POST /ingest/…: the method, token, room and backlog are checked on the
//   headers (refuse_ingest_early), so a refused body is never buffered.
// HEAD gets the GET answer's headers (with its Content-Length) and no body.
namespace flux::gateway {

inline constexpr std::size_t header_limit = 16 * 1024;
inline constexpr std::size_t target_limit = 8 * 1024;

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<context> ctx);
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  void run();

private:
  void do_read();
  // Reads the header with parser_.put rather than http::async_read_header,
  // so that the raw Authorization value is seen before Beast trims it.
  void read_header();
  void keep_raw_authorization(std::string_view fields);
  std::string_view
  raw_authorization(const http::request<http::string_body>& req) const;
  void on_header(beast::error_code ec);
  bool refuse_on_header(); // true when the request was answered
  void on_read(beast::error_code ec, std::size_t bytes);
  // /socket.io/ requests Flux does not serve (true when answered).
  bool refuse_socketio(const http::request<http::string_body>& req,
                       const std::string& query);
  void do_upgrade(http::request<http::string_body> req,
                  const std::string& path, const std::string& query,
                  bool socketio_path);
  void refuse(http::status status, const std::string& why);
  void refuse(response res);
  void refuse_oversized();
  bool reserve_body(std::uint64_t bytes);
  void release_body();
  void send(response res);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void do_close();
  void drain(std::size_t total);

  beast::tcp_stream stream_;
  std::shared_ptr<context> ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<response> pending_;
  bool draining_ = false;     // answering a refusal, then closing
  std::vector<char> discard_; // what is read away meanwhile
  bool head_ = false;         // answering HEAD: headers only
  bool got_start_line_ = false; // of the request being read
  std::string authorization_; // raw value, as sent (keep_raw_authorization)
  bool got_authorization_ = false;
  bool in_authorization_ = false; // the last line read was of that field
  std::uint64_t reserved_ = 0; // of ctx_->inflight_body_bytes
};

} // namespace flux::gateway
