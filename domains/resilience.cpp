#include "domains/resilience.hpp"

#include <algorithm>
#include <cmath>

namespace flux {

// -- circuit_breaker -----------------------------------------------------------

const char* circuit_breaker::to_string(state s) {
  switch (s) {
    case state::closed: return "closed";
    case state::open: return "open";
    case state::half_open: return "half-open";
  }
  return "closed";
}

bool circuit_breaker::allow(int64_t now) {
  switch (state_) {
    case state::closed:
      return true;
    case state::open:
      if (now < open_until_) {
        ++rejected_;
        return false;
      }
      state_ = state::half_open;
      trial_in_flight_ = true;
      return true;
    case state::half_open:
      if (trial_in_flight_) {
        ++rejected_;
        return false;
      }
      trial_in_flight_ = true;
      return true;
  }
  return true;
}

void circuit_breaker::on_success(int64_t) {
  failures_ = 0;
  trial_in_flight_ = false;
  cur_open_ms_ = 0;
  state_ = state::closed;
}

void circuit_breaker::on_failure(int64_t now) {
  ++failures_;
  trial_in_flight_ = false;
  bool trip = false;
  if (state_ == state::half_open) {
    // The trial failed: open again, for longer.
    cur_open_ms_ = std::min(std::max<int64_t>(cur_open_ms_, opts_.open_ms) * 2,
                            std::max(opts_.max_open_ms, opts_.open_ms));
    trip = true;
  } else if (state_ == state::closed && opts_.failure_threshold > 0
             && failures_ >= opts_.failure_threshold) {
    cur_open_ms_ = opts_.open_ms;
    trip = true;
  }
  if (trip) {
    state_ = state::open;
    opened_at_ = now;
    open_until_ = now + cur_open_ms_;
    ++opens_;
  }
}

void circuit_breaker::follow(uint32_t link_failures, int64_t now,
                             int64_t retry_at) {
  failures_ = link_failures;
  trial_in_flight_ = false;
  if (link_failures == 0) {
    cur_open_ms_ = 0;
    state_ = state::closed;
    return;
  }
  if (opts_.failure_threshold == 0 || link_failures < opts_.failure_threshold)
    return;
  if (state_ != state::open) {
    state_ = state::open;
    opened_at_ = now;
    ++opens_;
  }
  open_until_ = std::max(retry_at, now);
  cur_open_ms_ = open_until_ - opened_at_;
}

// -- rate_limiter --------------------------------------------------------------

rate_limiter::rate_limiter(double per_minute, double burst)
  : per_minute_(per_minute), burst_(std::max(burst, 1.0)), tokens_(burst_) {
}

void rate_limiter::refill(int64_t now) {
  if (last_ < 0)
    last_ = now;
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + (now - last_) * per_minute_ / 60000.0);
    last_ = now;
  }
}

bool rate_limiter::try_acquire(int64_t now) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (per_minute_ <= 0) {
    ++granted_;
    return true;
  }
  if (now < blocked_until_) {
    ++denied_;
    return false;
  }
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    ++granted_;
    return true;
  }
  ++denied_;
  return false;
}

int64_t rate_limiter::wait_ms(int64_t now) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (per_minute_ <= 0)
    return 0;
  int64_t wait = std::max<int64_t>(0, blocked_until_ - now);
  refill(now);
  if (tokens_ < 1.0)
    wait = std::max<int64_t>(
      wait, static_cast<int64_t>(
              std::ceil((1.0 - tokens_) * 60000.0 / per_minute_)));
  return wait;
}

uint64_t rate_limiter::granted() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return granted_;
}

uint64_t rate_limiter::denied() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return denied_;
}

void rate_limiter::block_until(int64_t until) {
  std::lock_guard<std::mutex> guard{mtx_};
  blocked_until_ = std::max(blocked_until_, until);
  tokens_ = 0;
  last_ = std::max<int64_t>(last_, until);
}

// -- backoff -------------------------------------------------------------------

int64_t backoff_ms(int64_t base, int64_t max, uint32_t failures, double unit) {
  double d = static_cast<double>(std::max<int64_t>(base, 1));
  for (uint32_t i = 0; i < failures && i < 30; ++i)
    d *= 2;
  d = std::min(d, static_cast<double>(std::max(max, base)));
  d *= 0.5 + 0.5 * std::clamp(unit, 0.0, 1.0);
  return static_cast<int64_t>(d);
}

} // namespace flux
