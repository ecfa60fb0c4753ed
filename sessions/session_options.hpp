#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

#include "auth/access_policy.hpp"

// A session's options: the session.* section, and the gateway.* options a
// session also needs (auth_token, heartbeat_ms, max_frame_bytes,
// socketio_connect_timeout_ms), set by whoever starts the session.
namespace flux {

// How a connection frames messages: Flux's native protocol, or Socket.IO
// (Engine.IO v4 + Socket.IO v5) for socket.io-client apps.
enum class wire_format { native, socketio };

struct session_options {
  wire_format wire = wire_format::native;
  std::string auth_token;         // Socket.IO CONNECT must carry it if set
  // Tokens and room permissions (auth.*); never null once started.
  std::shared_ptr<const auth::access_policy> access;
  std::string query_token; // native: the ?token= of the upgrade, if any
  int64_t ping_interval_ms = 25000; // Socket.IO server pings
  int64_t ping_timeout_ms = 20000;
  int64_t socketio_connect_timeout_ms = 45000; // CONNECT within this
  size_t queue_budget_bytes = 1 << 20; // bytes queued for the client at most
  size_t max_batch_bytes = 64 * 1024;  // bytes merged into one write at most
  size_t max_frame_bytes = 64 * 1024;  // largest client message accepted
  size_t max_subscriptions = 64;
  double requests_per_second = 50; // sustained client request rate
  double request_burst = 100;
  size_t max_errors = 100;         // errors before the client is closed
  int64_t heartbeat_ms = 15000;
};

// The session.* section.
void add_options(caf::config_option_set& set, session_options& opts);
void check_options(const session_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
