#include "flux_bench/server_sampler.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "flux_bench/clock.hpp"
#include "flux_bench/proc_stats.hpp"

namespace flux_bench {

server_sampler::server_sampler(int pid)
  : pid_(pid), base_(proc_rss_kb(pid)), max_(base_) {}

int64_t server_sampler::sample() {
  auto v = proc_rss_kb(pid_);
  max_ = std::max(max_, v);
  return v;
}

void server_sampler::sample_until(int64_t end_us) {
  while (mono_us() < end_us) {
    sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace flux_bench
