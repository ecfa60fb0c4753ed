#pragma once

#include <atomic>

#include "flux_bench/net.hpp"
#include "flux_bench/options.hpp"

namespace flux_bench {

// The phase of the run, set by the main thread, read by the I/O threads.
struct shared_state {
  std::atomic<bool> measuring{false};
  std::atomic<bool> churning{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> any_event{false};
};

// Set once by main before any I/O thread starts, then only read.
extern const options* g_opts;
extern shared_state* g_state;
extern tcp::endpoint g_server;

// A "[flux-bench] ..." line on stderr, unless --quiet.
void progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace flux_bench
