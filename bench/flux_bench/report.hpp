#pragma once

#include <cstddef>
#include <cstdint>

#include "flux_bench/options.hpp"
#include "flux_bench/run.hpp"
#include "flux_bench/worker_stats.hpp"

namespace flux_bench {

// Everything the result lines show, beside the workers' summed stats.
struct run_figures {
  size_t nofile = 0;      // the open-file limit
  double load_begin = -1; // the load average when the run began
  int64_t rss_base = -1;
  int64_t rss_max = -1;
  run_window window;
  bool deadline_hit = false;
};

// Prints the result on stdout: one JSON line (scripts/bench parses it),
// then one human-readable line. Reads the load average at the end.
void print_results(const options& o, const worker_stats& total,
                   const run_figures& f);

} // namespace flux_bench
