#include "flux_bench/mode_stream.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <fstream>
#include <thread>

#include "flux_bench/client.hpp"
#include "flux_bench/clock.hpp"

namespace flux_bench {

namespace {

// Starts the I/O threads on their clients; returns once every client is
// ready or failed, or at the connect timeout.
void connect_all(run_env& env, run_window& w) {
  auto& o = env.o;
  for (size_t i = 0; i < o.clients; ++i)
    env.workers[i % o.threads]->pending.push_back(i);
  for (auto& wk : env.workers) {
    auto* wp = wk.get();
    asio::post(wp->ioc, [wp] { client::start_pending(*wp); });
    wp->thread = std::thread([wp] { wp->ioc.run(); });
  }
  // Connect and subscribe everyone, bounded in time.
  auto connect_deadline = env.t_begin + static_cast<int64_t>(
                                          o.connect_timeout_s * 1e6);
  int64_t last_report = env.t_begin;
  for (;;) {
    auto ready = sum_count(env.workers, &worker::ready_count);
    auto failed = sum_count(env.workers, &worker::failed_count);
    auto now = mono_us();
    if (ready + failed >= o.clients)
      break;
    if (now >= connect_deadline || now >= env.deadline_us) {
      w.connect_timed_out = true;
      break;
    }
    if (now - last_report > 2000000) {
      last_report = now;
      progress("connecting: %" PRIu64 " connected, %" PRIu64 " ready, %"
               PRIu64 " failed of %zu",
               sum_count(env.workers, &worker::connected_count), ready,
               failed, o.clients);
    }
    env.server.sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  w.connect_s = static_cast<double>(mono_us() - env.t_begin) / 1e6;
  progress("%" PRIu64 " ready, %" PRIu64 " failed of %zu in %.1f s%s",
           sum_count(env.workers, &worker::ready_count),
           sum_count(env.workers, &worker::failed_count), o.clients,
           w.connect_s, w.connect_timed_out ? " (connect timeout)" : "");
}

// Waits up to --await-events for the first event to arrive.
void await_first_event(run_env& env, run_window& w) {
  auto a0 = mono_us();
  auto a_end = std::min(a0 + static_cast<int64_t>(env.o.await_events_s * 1e6),
                        env.deadline_us);
  while (!env.state.any_event.load() && mono_us() < a_end) {
    env.server.sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  w.await_s = static_cast<double>(mono_us() - a0) / 1e6;
}

// Warm-up, then the measured window.
void measure(run_env& env, run_window& w) {
  auto warm_end = mono_us() + static_cast<int64_t>(env.o.warmup_s * 1e6);
  env.server.sample_until(std::min(warm_end, env.deadline_us));
  auto cpu = open_window(env, w);
  auto m0 = mono_us();
  env.state.measuring = true;
  auto m_end = m0 + static_cast<int64_t>(env.o.duration_s * 1e6);
  env.server.sample_until(std::min(m_end, env.deadline_us));
  env.state.measuring = false;
  auto m1 = mono_us();
  w.window_s = static_cast<double>(m1 - m0) / 1e6;
  close_window(env, cpu, w);
}

} // namespace

run_window run_stream(run_env& env) {
  run_window w;
  connect_all(env, w);
  if (!env.o.ready_file.empty())
    std::ofstream{env.o.ready_file} << "ready\n";
  if (env.o.await_events_s > 0)
    await_first_event(env, w);
  measure(env, w);
  return w;
}

} // namespace flux_bench
