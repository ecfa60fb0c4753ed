#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "flux_bench/message_scan.hpp"
#include "flux_bench/net.hpp"
#include "flux_bench/worker.hpp"

namespace flux_bench {

// One WebSocket client: connects (from 127.0.0.1, .2, … every
// --per-source-addr connections), subscribes to its rooms, counts what it
// receives into its worker's stats; a churn client leaves with a clean
// close once it has every snapshot.
//
// The opening handshake goes through Beast's HTTP parser; after it the
// client frames WebSocket messages itself (masked writes, one non-blocking
// read per readiness into a buffer per thread), so that its own cost per
// message stays small next to the server's on shared cores.
class client : public std::enable_shared_from_this<client> {
public:
  client(worker& w, size_t index, bool churn)
    : w_(w), index_(index), churn_(churn), stream_(asio::make_strand(w.ioc)) {}

  void start();

  // Starts queued clients while fewer than the allowed connects are in flight.
  static void start_pending(worker& w);

private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void connect_done();
  void send_subscribes();
  void send(std::string text, uint8_t opcode = 0x1);
  void do_write();
  void do_read();
  void on_readable(beast::error_code ec);
  // Handles the bytes of one read: every whole frame, and keeps the rest.
  void consume(const char* bytes, size_t n);
  void on_frame(uint8_t b0, const char* payload, size_t size);
  // The connection ended (a close frame, an error or the end of stream).
  void on_end(const std::string& why);
  void on_message(const char* p, size_t n);
  // --auth-token-file (client_auth.cpp): the auth request once `hello`
  // came, the subscribes once `authed`; true if the client ended.
  void start_auth();
  bool auth_step(const char* p, size_t n, const scan_result& r);
  void send_auth();
  // An error frame before the snapshot (a refused token, a forbidden room):
  // a churn client fails with the frame's code.
  void refused(const std::string& what, const char* p, size_t n);
  void fail(std::string why);
  void churn_finished(bool ok);
  void close_now();

  worker& w_;
  size_t index_;
  bool churn_;
  beast::tcp_stream stream_;                // connect and handshake
  http::request<http::empty_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer hbuf_;
  std::optional<tcp::socket> sock_;         // after the handshake
  std::string in_;  // an incomplete frame from the last read
  std::string msg_; // fragments of a message
  uint64_t mask_seed_ = 0x9E3779B97F4A7C15ull;
  bool ended_ = false;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closing_ = false;
  bool connected_ = false;
  bool ready_ = false;
  size_t snapshots_ = 0;
  bool auth_pending_ = false; // a token to present, not yet `authed`
  int64_t t_auth_ = 0;        // the auth request was sent
  int64_t t_start_ = 0;
  int64_t t_connected_ = 0;
  int64_t t_sub_ = 0;
};

} // namespace flux_bench
