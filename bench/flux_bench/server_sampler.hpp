#pragma once

#include <cstdint>

namespace flux_bench {

// The server's RSS, sampled from /proc/<--server-pid> while the run waits:
// its value when constructed (the base) and the maximum of every sample.
class server_sampler {
public:
  explicit server_sampler(int pid);

  int64_t base() const { return base_; }
  int64_t max() const { return max_; }

  // The RSS now, in KB (-1 if unknown).
  int64_t sample();

  // Samples every 50 ms until mono_us() reaches end_us.
  void sample_until(int64_t end_us);

private:
  int pid_;
  int64_t base_;
  int64_t max_;
};

} // namespace flux_bench
