// flux-bench: a WebSocket load generator for Flux (native protocol) and for
// Socket.IO servers (Engine.IO v4 + Socket.IO v5 over WebSocket), e.g. the
// reference server in bench/reference/.
//
// It opens N clients on 127.0.0.1 (spreading source addresses over
// 127.0.0.1, 127.0.0.2, … every --per-source-addr connections), subscribes
// each to rooms, and after a warm-up measures for a fixed time: connections
// ok / failed, delivered events per second, end-to-end latency from the
// event's creation time (`"t_us"` in its payload, CLOCK_REALTIME µs) to
// receipt, bytes received, and the server's RSS and CPU from /proc.
// Every run is bounded in time and exits by itself; it prints one JSON line
// and one human-readable line. `flux-bench --help` lists the options.
//
// Modes (flux_bench/mode_*.hpp):
//   stream  connect all clients, subscribe, warm up, measure (default)
//   idle    the same, for idle rooms: reports server RSS per connection
//   churn   clients connect, subscribe, wait for their snapshot and leave,
//           at a fixed rate: reports the time to the snapshot
//
// This file sets a run up, dispatches on the mode and prints the result;
// the parts are in flux_bench/ (the clients in client.hpp).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "flux_bench/clock.hpp"
#include "flux_bench/mode_churn.hpp"
#include "flux_bench/mode_stream.hpp"
#include "flux_bench/net.hpp"
#include "flux_bench/options.hpp"
#include "flux_bench/proc_stats.hpp"
#include "flux_bench/report.hpp"
#include "flux_bench/run.hpp"
#include "flux_bench/run_state.hpp"
#include "flux_bench/server_sampler.hpp"
#include "flux_bench/worker.hpp"

namespace {

using namespace flux_bench;

// The hard deadline: whatever happens, this process ends.
void arm_hard_deadline(double deadline_s) {
  std::thread([deadline_s] {
    std::this_thread::sleep_for(std::chrono::milliseconds(
      static_cast<int64_t>(deadline_s * 1000) + 5000));
    std::fprintf(stdout, "{\"tool\":\"flux-bench\",\"error\":\"hard deadline "
                         "exceeded\"}\nflux-bench: hard deadline exceeded\n");
    std::fflush(stdout);
    _exit(3);
  }).detach();
}

// One function per mode; stream and idle share theirs.
run_window run_mode(run_env& env) {
  if (env.o.mode == "churn")
    return run_churn(env);
  return run_stream(env);
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse_args(argc, argv, o)) {
    std::cerr << "flux-bench: --help lists the options\n";
    return 2;
  }
  g_opts = &o;
  shared_state state;
  g_state = &state;

  auto t_begin = mono_us();
  auto deadline_us = t_begin + static_cast<int64_t>(o.deadline_s * 1e6);
  arm_hard_deadline(o.deadline_s);

  run_figures f;
  f.nofile = raise_nofile();
  f.load_begin = loadavg1();
  if (o.mode != "churn" && o.clients + 32 > f.nofile)
    progress("warning: %zu clients but the open-file limit is %zu: clients "
             "past it will fail (EMFILE)", o.clients, f.nofile);

  beast::error_code ec;
  auto addr = asio::ip::make_address(o.host, ec);
  if (ec) {
    std::cerr << "flux-bench: bad --host " << o.host << "\n";
    return 2;
  }
  g_server = tcp::endpoint{addr, o.port};

  worker_pool pool{o.threads};
  server_sampler server{o.server_pid};
  run_env env{o, state, pool.workers(), server, t_begin, deadline_us};
  f.window = run_mode(env);

  // Stop the I/O threads; everything below reads their state alone.
  pool.stop(state);
  auto total = pool.totals();
  f.rss_base = server.base();
  f.rss_max = server.max();
  f.deadline_hit = mono_us() >= deadline_us;
  print_results(o, total, f);
  std::fflush(stdout);
  // Thousands of sockets: let the kernel close them.
  _exit(0);
}
