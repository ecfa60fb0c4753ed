#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flux_bench {

// The command line (`flux-bench --help` describes each option).
struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string protocol = "native"; // native | socketio
  std::string path;                // default per protocol
  std::string mode = "stream";     // stream | idle | churn
  size_t clients = 100;
  size_t threads = 1;
  std::vector<std::string> rooms_list; // --room (repeatable)
  std::string room_prefix = "bench.";
  size_t rooms = 1;            // --rooms R: rooms <prefix>0 … <prefix>R-1
  size_t subs = 1;             // rooms per client
  double warmup_s = 2;
  double duration_s = 5;
  double connect_timeout_s = 30;
  size_t connect_concurrency = 256;
  double deadline_s = 0;       // 0: computed from the others
  int server_pid = 0;
  double rate = 0;             // server's event rate, for the expected figure
  size_t per_source_addr = 20000;
  double churn_rate = 100;     // clients per second (churn)
  size_t churn_inflight = 1000;
  bool validate = false;
  std::string label;
  std::string sio_event = "event";
  std::string sio_snapshot = "snapshot";
  std::string sio_subscribe = "subscribe";
  bool quiet = false;
  std::string ready_file;      // created once every client is ready
  double await_events_s = 0;   // then wait for events to flow, at most this
  // --auth-token-file: one token per line; client i presents token
  // i mod N ({"op":"auth"} after `hello`) and subscribes once `authed`.
  std::string auth_token_file;
  std::vector<std::string> auth_tokens;
  // When the auth request goes: hello (once `hello` came; subscribe once
  // `authed`), connect (right after the handshake; subscribe once
  // `authed`), pipelined (auth and subscribe right after the handshake).
  std::string auth_send = "hello";
};

// Fills o from argv, then the defaults that depend on other options.
// Prints what is wrong and returns false on a bad command line; prints the
// usage and exits on --help.
bool parse_args(int argc, char** argv, options& o);

} // namespace flux_bench
