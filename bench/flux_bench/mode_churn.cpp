#include "flux_bench/mode_churn.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "flux_bench/churn_driver.hpp"
#include "flux_bench/clock.hpp"

namespace flux_bench {

namespace {

// One driver per worker, each with its share of the rate and the clients
// in flight; client indexes interleave over the workers.
void start_drivers(run_env& env) {
  auto& o = env.o;
  for (size_t i = 0; i < env.workers.size(); ++i) {
    auto* wp = env.workers[i].get();
    auto d = std::make_shared<churn_driver>(
      *wp, o.churn_rate / static_cast<double>(o.threads),
      std::max<size_t>(1, o.churn_inflight / o.threads), i, o.threads);
    asio::post(wp->ioc, [d] { d->start(); });
  }
}

// Lets the clients in flight finish (bounded).
void drain(run_env& env) {
  auto drain_end = std::min(mono_us() + 5000000, env.deadline_us);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    size_t inflight = 0;
    for (auto& w : env.workers)
      inflight += w->churn_inflight.load(std::memory_order_relaxed);
    if (inflight == 0 || mono_us() >= drain_end)
      break;
  }
}

} // namespace

run_window run_churn(run_env& env) {
  run_window w;
  for (auto& wk : env.workers) {
    auto* wp = wk.get();
    wp->thread = std::thread([wp] { wp->ioc.run(); });
  }
  auto cpu = open_window(env, w);
  env.state.churning = true;
  env.state.measuring = true;
  auto m0 = mono_us();
  start_drivers(env);
  auto m_end = m0 + static_cast<int64_t>(env.o.duration_s * 1e6);
  env.server.sample_until(std::min(m_end, env.deadline_us));
  env.state.churning = false;
  drain(env);
  env.state.measuring = false;
  w.window_s = static_cast<double>(mono_us() - m0) / 1e6;
  close_window(env, cpu, w);
  return w;
}

} // namespace flux_bench
