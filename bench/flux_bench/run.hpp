#pragma once

#include <cstdint>

#include "flux_bench/options.hpp"
#include "flux_bench/run_state.hpp"
#include "flux_bench/server_sampler.hpp"
#include "flux_bench/worker.hpp"

namespace flux_bench {

// What a mode runs on.
struct run_env {
  const options& o;
  shared_state& state;
  worker_list& workers;
  server_sampler& server;
  int64_t t_begin;     // mono_us() when the run began
  int64_t deadline_us; // mono_us() at --deadline
};

// What a mode measured, beside the workers' stats.
struct run_window {
  double window_s = 0;
  int64_t rss_start = -1;
  int64_t rss_end = -1;
  double server_cpu_s = -1;
  double self_cpu = 0;
  bool connect_timed_out = false;
  double await_s = 0;
  double connect_s = 0;
};

// The CPU times when the measured window opened.
struct cpu_marks {
  double server = -1;
  double self = 0;
};

// Opens the measured window: the server's RSS, then both CPU times.
cpu_marks open_window(run_env& env, run_window& w);

// Closes it: the server's RSS, then the CPU time each spent since.
void close_window(run_env& env, const cpu_marks& m, run_window& w);

} // namespace flux_bench
