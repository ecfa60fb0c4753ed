#include "runtime/restart_policy.hpp"

#include <algorithm>

namespace flux {

bool restart_policy::on_failure(int64_t now_ms,
                                std::chrono::milliseconds& delay,
                                double jitter01) {
  auto window = limits_.window.count();
  while (!recent_.empty() && now_ms - recent_.front() > window)
    recent_.pop_front();
  recent_.push_back(now_ms);
  if (recent_.size() > limits_.max_restarts)
    return false;
  // initial * 2^consecutive, capped; jitter spreads it by +-20 %.
  auto base = static_cast<double>(limits_.initial_backoff.count());
  for (uint32_t i = 0; i < consecutive_ && base < limits_.max_backoff.count();
       ++i)
    base *= 2;
  base = std::min(base, static_cast<double>(limits_.max_backoff.count()));
  auto jittered = base * (0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0));
  delay = std::chrono::milliseconds{static_cast<int64_t>(jittered)};
  ++consecutive_;
  ++total_;
  return true;
}

void restart_policy::on_stable(int64_t now_ms) {
  if (!recent_.empty() && now_ms - recent_.back() > limits_.window.count()) {
    recent_.clear();
    consecutive_ = 0;
  }
}

} // namespace flux
