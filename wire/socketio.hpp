#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/frame.hpp"

// Engine.IO v4 / Socket.IO v5 packets over WebSocket (one packet per
// message), enough for socket.io-client 4.x with transports ['websocket'].
// See docs/protocol.md, "Socket.IO endpoint".
//
// The parser takes untrusted text and refuses, with a reason (the session
// then closes the connection with 1002): unknown packet types, binary
// packets (5/6, whatever their attachment count), namespaces longer than
// max_namespace or with control characters, quotes or backslashes (a
// namespace is echoed raw in the CONNECT_ERROR prefix, so only safe ones
// get that far), ack ids of more than max_ack_digits digits (no overflow),
// Engine.IO ping/pong payloads longer than max_ping_data, and JSON that
// json::parse refuses (bad, nested deeper than json::max_depth, ...).
namespace flux::socketio {

constexpr size_t max_namespace = 128;  // bytes, including the leading '/'
constexpr size_t max_ack_digits = 15;  // below 2^53: exact in JavaScript
constexpr size_t max_ping_data = 16;   // "probe" is all a client sends

struct packet {
  enum class kind {
    ping,       // engine 2
    pong,       // engine 3
    noop,       // engine 6
    close,      // engine 1
    connect,    // socket 0
    disconnect, // socket 1
    event,      // socket 2
    ack,        // socket 3
  };
  kind type = kind::noop;
  std::string ns = "/";
  int64_t ack_id = -1;
  std::string data;      // ping/pong: the payload ("probe")
  std::string name;      // event name
  std::string arg;       // event: first argument as raw JSON ("" if none)
  bool has_token = false; // connect: the auth payload has a string "token"
  std::string token;
};

// Parses one client message. On failure returns false with a reason; the
// protocol then requires closing the connection.
bool parse(std::string_view text, packet& out, std::string& why);

// True for a namespace parse() accepts ("/" followed by at most
// max_namespace - 1 bytes, none of them a control character, '"', '\\' or
// ',').
bool valid_namespace(std::string_view ns);

// 128 random bits from the system's CSPRNG, base64url without padding (22
// characters): Engine.IO sids and Socket.IO socket ids.
std::string random_id();

std::string open_packet(const std::string& sid, int64_t ping_interval_ms,
                        int64_t ping_timeout_ms, size_t max_payload);
// `ns` must be valid_namespace() (anything else is sent as "/").
std::string connect_ok(const std::string& ns, const std::string& sid);
std::string connect_error(const std::string& ns, std::string_view message);
// 42["name",arg]
std::string event(std::string_view name, std::string_view json_arg);
// 43<id>[arg]
std::string ack(int64_t id, std::string_view json_arg);
// A native frame {"type":"X",...} as the event 42["X",{...}].
std::string from_frame(const std::string& frame);

// A room's event as a Socket.IO packet: built on first use (any thread),
// then shared by every Socket.IO subscriber.
frame_ptr packet_of(const room_frame& f);

constexpr const char* ping = "2";
constexpr const char* disconnect = "41";

} // namespace flux::socketio
