#pragma once

#include <cstdint>
#include <string>

#include "core/event.hpp"

// What a session actor needs from its connection. The gateway implements it
// over a Beast WebSocket; the session never touches the socket itself.
namespace flux {

class client_socket {
public:
  virtual ~client_socket() = default;

  // Writes one WebSocket text message. The session keeps at most one write
  // outstanding; the socket answers each with (write_done_atom).
  virtual void write(frame_ptr message) = 0;

  // Closes with a WebSocket close code and reason; then (closed_atom).
  virtual void close(uint16_t code, std::string reason) = 0;

  // The peer's address, for logs and /stats.
  virtual std::string remote() const = 0;
};

// Close codes Flux uses (documented in docs/protocol.md).
namespace close_code {
constexpr uint16_t going_away = 1001;      // server shutting down
constexpr uint16_t policy = 1008;          // too many errors or requests
constexpr uint16_t too_big = 1009;         // frame over the size limit
constexpr uint16_t slow_consumer = 4008;   // outbound budget exceeded
} // namespace close_code

} // namespace flux
