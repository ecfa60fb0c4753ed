#include "gateway/gateway_options.hpp"

#include <filesystem>

#include <boost/asio/ip/address.hpp>
#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux::gateway {

void add_options(caf::config_option_set& set, options& opts) {
  caf::config_option_adder{set, "gateway"}
    .add(opts.bind, "bind", "address to listen on")
    .add(opts.port, "port", "HTTP and WebSocket port (0 picks a free one)")
    .add(opts.io_threads, "io-threads", "Asio threads for network I/O")
    .add(opts.max_frame_bytes, "max-frame-bytes", "largest client message")
    .add(opts.max_connections, "max-connections",
         "open connections at most, HTTP and WebSocket (beyond: 503)")
    .add(opts.max_http_connections, "max-http-connections",
         "open connections not (yet) WebSocket at most (beyond: 503)")
    .add(opts.max_inflight_body_bytes, "max-inflight-body-bytes",
         "request body bytes being read at once, over all connections "
         "(beyond: 503 with Retry-After)")
    .add(opts.heartbeat_ms, "heartbeat-ms",
         "idle time before a WebSocket ping; no answer in as long closes")
    .add(opts.send_buffer_bytes, "send-buffer-bytes",
         "kernel send buffer per connection (0: OS default)")
    .add(opts.auth_token, "auth-token",
         "one shared token every client must present (/ws?token=…, "
         "Socket.IO auth.token); per-user tokens are auth.*; empty: none")
    .add(opts.socketio_connect_timeout_ms, "socketio-connect-timeout-ms",
         "Socket.IO: time from the open packet to the client's CONNECT "
         "before the connection is closed")
    .add(opts.web_root, "web-root", "dashboard files (default: web/dist)");
}

// gateway.max-inflight-body-bytes is checked with ingest.max-body-bytes by
// flux_config::validate.
void check_options(const options& opts, std::vector<std::string>& errors) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(opts.bind, ec);
  need(errors, !ec, "gateway.bind: '" + opts.bind + "' is not an IP address");
  need(errors, opts.io_threads >= 1 && opts.io_threads <= 64,
       "gateway.io-threads must be between 1 and 64");
  need(errors,
       opts.max_frame_bytes >= 256 && opts.max_frame_bytes <= (16u << 20),
       "gateway.max-frame-bytes must be between 256 and 16777216");
  need(errors, opts.max_connections >= 1,
       "gateway.max-connections must be at least 1");
  need(errors, opts.max_http_connections >= 1,
       "gateway.max-http-connections must be at least 1");
  need(errors, opts.heartbeat_ms >= 100,
       "gateway.heartbeat-ms must be at least 100");
  need(errors,
       opts.socketio_connect_timeout_ms >= 50
         && opts.socketio_connect_timeout_ms <= 3600000,
       "gateway.socketio-connect-timeout-ms must be between 50 and 3600000");
  std::error_code fs_error; // a path too long for the file system: invalid
  if (!opts.web_root.empty())
    need(errors, std::filesystem::is_directory(opts.web_root, fs_error),
         "gateway.web-root: '" + opts.web_root + "' is not a directory");
}

} // namespace flux::gateway
