#include "flux_bench/options.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>

namespace flux_bench {

namespace {

void usage() {
  std::cout <<
R"(flux-bench: WebSocket load generator for Flux and Socket.IO servers

  --host=127.0.0.1         server address
  --port=8080              server port
  --protocol=native        native (Flux /ws) or socketio (Engine.IO 4 / Socket.IO 5)
  --path=PATH              default /ws, or /socket.io/?EIO=4&transport=websocket
  --mode=stream            stream | idle | churn
  --clients=100            clients (stream, idle)
  --threads=1              load generator threads (one io_context each)
  --room=NAME              subscribe to NAME (repeatable; overrides --rooms)
  --rooms=1                rooms <prefix>0 … <prefix>R-1
  --room-prefix=bench.
  --subs=1                 rooms per client (client i gets rooms (i*subs+j) mod R)
  --warmup=2               seconds after all clients are ready, before measuring
  --duration=5             seconds measured (churn: seconds of churn)
  --connect-timeout=30     seconds for all clients to connect and subscribe
  --connect-concurrency=256  connection attempts in flight at most
  --deadline=S             hard limit for the whole run (default: the sum + 15 s)
  --server-pid=PID         sample the server's RSS and CPU from /proc/PID
  --rate=R                 the server's event rate (events/s over all rooms), to
                           report the expected delivery rate
  --per-source-addr=20000  connections per loopback source address (127.0.0.1, .2, …)
  --churn-rate=100         churn: clients started per second
  --churn-inflight=1000    churn: clients in flight at most (more are skipped)
  --validate               parse every message with RapidJSON and cross-check
  --label=TEXT             copied into the JSON line
  --sio-event=event        socketio: event name of stream events
  --sio-snapshot=snapshot  socketio: event name of snapshots
  --sio-subscribe=subscribe  socketio: event emitted to subscribe ({"room":R})
  --ready-file=PATH        create PATH once every client is ready (the
                           servers' bench sources wait for it to start)
  --await-events=S         after that, wait up to S s for the first event
                           before the warm-up
  --auth-token-file=PATH   native: one token (JWT) per line; client i sends
                           {"op":"auth","token":<line i mod N>} after `hello`
                           and subscribes once `authed` (a refusal fails the
                           client); connect->snapshot then includes auth
  --auth-send=hello        when: hello (as above), connect (right after the
                           handshake, subscribe once authed) or pipelined
                           (auth and subscribe together after the handshake)
  --quiet                  no progress lines on stderr
)";
}

// Sets the option that takes a value; false if there is none called key.
// Throws on a value that is not a number where one is needed.
bool set_option(options& o, const std::string& key, const std::string& val) {
  if (key == "host") o.host = val;
  else if (key == "port") o.port = static_cast<uint16_t>(std::stoul(val));
  else if (key == "protocol") o.protocol = val;
  else if (key == "path") o.path = val;
  else if (key == "mode") o.mode = val;
  else if (key == "clients") o.clients = std::stoul(val);
  else if (key == "threads") o.threads = std::stoul(val);
  else if (key == "room") o.rooms_list.push_back(val);
  else if (key == "rooms") o.rooms = std::stoul(val);
  else if (key == "room-prefix") o.room_prefix = val;
  else if (key == "subs") o.subs = std::stoul(val);
  else if (key == "warmup") o.warmup_s = std::stod(val);
  else if (key == "duration") o.duration_s = std::stod(val);
  else if (key == "connect-timeout") o.connect_timeout_s = std::stod(val);
  else if (key == "connect-concurrency")
    o.connect_concurrency = std::stoul(val);
  else if (key == "deadline") o.deadline_s = std::stod(val);
  else if (key == "server-pid") o.server_pid = std::stoi(val);
  else if (key == "rate") o.rate = std::stod(val);
  else if (key == "per-source-addr") o.per_source_addr = std::stoul(val);
  else if (key == "churn-rate") o.churn_rate = std::stod(val);
  else if (key == "churn-inflight") o.churn_inflight = std::stoul(val);
  else if (key == "label") o.label = val;
  else if (key == "ready-file") o.ready_file = val;
  else if (key == "await-events") o.await_events_s = std::stod(val);
  else if (key == "sio-event") o.sio_event = val;
  else if (key == "sio-snapshot") o.sio_snapshot = val;
  else if (key == "sio-subscribe") o.sio_subscribe = val;
  else if (key == "auth-token-file") o.auth_token_file = val;
  else if (key == "auth-send") o.auth_send = val;
  else return false;
  return true;
}

// The tokens of --auth-token-file, one a line (blank lines skipped).
bool load_tokens(options& o) {
  if (o.auth_send != "hello" && o.auth_send != "connect"
      && o.auth_send != "pipelined") {
    std::cerr << "flux-bench: --auth-send must be hello, connect or "
                 "pipelined\n";
    return false;
  }
  if (o.auth_token_file.empty())
    return true;
  if (o.protocol != "native") {
    std::cerr << "flux-bench: --auth-token-file needs --protocol=native\n";
    return false;
  }
  std::ifstream in{o.auth_token_file};
  std::string line;
  while (in && std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    if (!line.empty())
      o.auth_tokens.push_back(line);
  }
  if (o.auth_tokens.empty()) {
    std::cerr << "flux-bench: no token in --auth-token-file="
              << o.auth_token_file << "\n";
    return false;
  }
  return true;
}

// Checks the choices and fills in what depends on other options.
bool finish_options(options& o) {
  if (o.protocol != "native" && o.protocol != "socketio") {
    std::cerr << "flux-bench: --protocol must be native or socketio\n";
    return false;
  }
  if (o.mode != "stream" && o.mode != "idle" && o.mode != "churn") {
    std::cerr << "flux-bench: --mode must be stream, idle or churn\n";
    return false;
  }
  if (o.path.empty())
    o.path = o.protocol == "native" ? "/ws"
                                    : "/socket.io/?EIO=4&transport=websocket";
  o.threads = std::clamp<size_t>(o.threads, 1, 64);
  o.rooms = std::max<size_t>(o.rooms, 1);
  o.subs = std::max<size_t>(o.subs, 1);
  o.per_source_addr = std::max<size_t>(o.per_source_addr, 1);
  o.connect_concurrency = std::max<size_t>(o.connect_concurrency, 1);
  if (!o.rooms_list.empty())
    o.subs = std::min(o.subs, o.rooms_list.size());
  else
    o.subs = std::min(o.subs, o.rooms);
  if (o.deadline_s <= 0)
    o.deadline_s = o.connect_timeout_s + o.await_events_s + o.warmup_s
                   + o.duration_s + 15;
  return load_tokens(o);
}

} // namespace

bool parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    }
    if (a.rfind("--", 0) != 0) {
      std::cerr << "flux-bench: unexpected argument " << a << "\n";
      return false;
    }
    auto eq = a.find('=');
    std::string key = a.substr(2, eq == std::string::npos ? std::string::npos
                                                          : eq - 2);
    std::string val;
    bool has_val = eq != std::string::npos;
    if (has_val)
      val = a.substr(eq + 1);
    auto need = [&]() -> bool {
      if (has_val)
        return true;
      if (i + 1 < argc) {
        val = argv[++i];
        return true;
      }
      std::cerr << "flux-bench: --" << key << " needs a value\n";
      return false;
    };
    try {
      if (key == "validate") o.validate = true;
      else if (key == "quiet") o.quiet = true;
      else if (!need()) return false;
      else if (!set_option(o, key, val)) {
        std::cerr << "flux-bench: unknown option --" << key << "\n";
        return false;
      }
    } catch (std::exception&) {
      std::cerr << "flux-bench: bad value for --" << key << ": " << val << "\n";
      return false;
    }
  }
  return finish_options(o);
}

} // namespace flux_bench
