#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

#include "auth/access_policy.hpp"

#include "gateway/ingest_options.hpp"
#include "gateway/ops_options.hpp"
#include "sessions/session_options.hpp"

// The gateway's options: the gateway.* section, and its sessions', ingest's
// and the ops endpoints' options (their own sections) to hand on.
namespace flux::gateway {

struct options {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
  size_t io_threads = 1;
  size_t max_frame_bytes = 64 * 1024;
  size_t max_connections = 100000;       // TCP connections, HTTP and WebSocket
  size_t max_http_connections = 10000;   // connections not (yet) WebSocket
  size_t max_inflight_body_bytes = 64 << 20; // request bodies being read
  int64_t heartbeat_ms = 15000;
  size_t send_buffer_bytes = 0; // SO_SNDBUF per connection; 0: OS default
  std::string auth_token; // required from clients when set
  int64_t socketio_connect_timeout_ms = 45000; // CONNECT within this
  std::string web_root; // empty: web/dist next to the sources, if built
  // Tokens and room permissions (auth.*); shared with sessions and ingest.
  std::shared_ptr<const auth::access_policy> access;
  session_options session;
  ingest_options ingest; // POST /ingest/{room} (gateway/ingest.hpp)
  ops_options ops;       // /stats, /metrics (gateway/ops_access.hpp)
};

// The gateway.* section (not session, ingest nor ops: they have their own).
void add_options(caf::config_option_set& set, options& opts);
void check_options(const options& opts, std::vector<std::string>& errors);

} // namespace flux::gateway
