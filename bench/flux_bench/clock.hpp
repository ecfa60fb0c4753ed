#pragma once

#include <cstdint>
#include <ctime>

namespace flux_bench {

// CLOCK_REALTIME in µs: the clock of the events' "t_us", for latency.
inline int64_t realtime_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// CLOCK_MONOTONIC in µs: every duration the run measures itself.
inline int64_t mono_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

} // namespace flux_bench
