#pragma once

#include <cstdint>
#include <string>

#include "core/event.hpp"
#include <string_view>

// Engine.IO v4 / Socket.IO v5 packets over WebSocket (one packet per
// message), enough for socket.io-client 4.x with transports ['websocket'].
// See docs/protocol.md, "Socket.IO endpoint".
namespace flux::socketio {

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
  std::string name;      // event name
  std::string arg;       // event: first argument as raw JSON ("" if none)
  std::string auth;      // connect: auth payload as raw JSON ("" if none)
};

// Parses one client message. On failure returns false with a reason; the
// protocol then requires closing the connection.
bool parse(std::string_view text, packet& out, std::string& why);

std::string open_packet(const std::string& sid, int64_t ping_interval_ms,
                        int64_t ping_timeout_ms, size_t max_payload);
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
