#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flux_bench/net.hpp"
#include "flux_bench/worker.hpp"

namespace flux_bench {

// Starts churn clients on one worker at its share of --churn-rate, every
// 5 ms what is due since start(), while g_state->churning; a client due
// while --churn-inflight are in flight is skipped (and counted).
struct churn_driver : std::enable_shared_from_this<churn_driver> {
  worker& w;
  asio::steady_timer timer;
  double rate; // this worker's share, clients/s
  size_t inflight_limit;
  int64_t t0 = 0;
  uint64_t launched = 0;
  size_t next_index;
  size_t stride;

  churn_driver(worker& wk, double r, size_t limit, size_t first, size_t step)
    : w(wk), timer(wk.ioc), rate(r), inflight_limit(limit), next_index(first),
      stride(step) {}

  void start();
  void tick();
};

} // namespace flux_bench
