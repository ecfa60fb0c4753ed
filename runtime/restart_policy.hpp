#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

// When and whether to restart a failed child: exponential backoff with
// jitter, capped, and a restart-intensity limit (at most `max_restarts`
// within `window`; past that the supervisor gives up and escalates).
namespace flux {

struct restart_limits {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  uint32_t max_restarts = 5;
  std::chrono::milliseconds window{60000};
};

class restart_policy {
public:
  explicit restart_policy(restart_limits limits = {}) : limits_(limits) {}

  // Records a failure at `now_ms`. Returns false when the intensity limit is
  // exceeded (give up); otherwise sets `delay` to wait before restarting.
  bool on_failure(int64_t now_ms, std::chrono::milliseconds& delay,
                  double jitter01);

  // A child that ran cleanly for a whole window starts from scratch again.
  void on_stable(int64_t now_ms);

  uint32_t total_restarts() const { return total_; }
  uint32_t consecutive() const { return consecutive_; }

private:
  restart_limits limits_;
  std::deque<int64_t> recent_; // failure times inside the window
  uint32_t consecutive_ = 0;
  uint32_t total_ = 0;
};

} // namespace flux
