#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/socketio.hpp"

// The server's side of one Socket.IO connection over WebSocket, without I/O
// or timers: the session feeds it the client's messages and the clock, and
// carries out each step. It owns
// - the Engine.IO heartbeat: a ping every interval; no pong within the
//   timeout after the oldest unanswered ping closes the connection;
// - the CONNECT handshake: only the main namespace "/", with the token when
//   one is set and what `admit` accepts (the session's check of a JWT),
//   within connect_timeout_ms of the open packet. A refused CONNECT is
//   answered only after connect_refusal_delay_ms, and the
//   max_connect_failures-th refusal closes the connection (with
//   refused_close_code), so guessing a token costs connections and time;
// - events as native requests: 42[name,{...}] is {"op":name,...}, answered
//   through its ack id (see answer()).
namespace flux::socketio {

constexpr int64_t connect_refusal_delay_ms = 500;

struct dialogue_options {
  std::string auth_token; // CONNECT must carry it when set
  // CONNECT's auth: (has a string token, the token, why refused) -> admitted.
  std::function<bool(bool, std::string_view, std::string&)> admit;
  uint32_t max_connect_failures = 3;
  uint16_t refused_close_code = 1008;
  int64_t ping_interval_ms = 25000;
  int64_t ping_timeout_ms = 20000;
  int64_t connect_timeout_ms = 45000;
  size_t max_payload = 64 * 1024; // announced in the open packet
};

// What the session does after a message or a deadline, in this order:
// queue `send`; answer a client ping with `pong` if the client's request
// rate allows it (else a rate_limited error); dispatch `request`; close.
struct step {
  std::vector<std::string> send;
  std::string pong;           // non-empty: a client ping to answer
  bool has_request = false;
  std::string request;        // a native request's JSON
  std::string request_id;     // its id: the ack id, or "null"
  uint16_t close_code = 0;    // non-zero: close with close_reason
  std::string close_reason;
  bool malformed = false;     // the message did not parse (a client error)
};

class dialogue {
public:
  dialogue() = default;
  explicit dialogue(dialogue_options opts) : opts_(std::move(opts)) {}

  // The open packet; starts the heartbeat and the CONNECT deadline.
  std::string open(int64_t now_ms);

  // One message from the client.
  step on_message(std::string_view text, int64_t now_ms);

  // Every deadline due at `now_ms` (calling early or twice is harmless).
  step on_deadline(int64_t now_ms);

  // The earliest pending deadline: the next ping, the pong awaited, the
  // CONNECT awaited, or a refusal's delayed answer.
  int64_t next_deadline() const;

  // CONNECT to "/" accepted.
  bool connected() const { return connected_; }

private:
  void on_connect(const packet& p, int64_t now_ms, step& out);

  dialogue_options opts_;
  bool connected_ = false;
  std::string socket_id_;
  uint32_t connect_failures_ = 0;
  int64_t next_ping_ms_ = 0;
  int64_t pong_due_ms_ = -1;    // -1: no ping unanswered
  int64_t connect_due_ms_ = 0;
  int64_t refusal_due_ms_ = -1; // -1: no refusal pending
  std::string refusal_;         // its CONNECT_ERROR message
};

// The answer to a request as a Socket.IO packet: the acknowledgement of its
// ack id `id`, or, for a request without one ("null"), the event form of
// the native `frame`.
std::string answer(const std::string& id, const std::string& frame);

} // namespace flux::socketio
