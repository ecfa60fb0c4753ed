#pragma once

#include <cstdint>
#include <mutex>
#include <string>

// The pieces a poller uses to protect an upstream and itself, kept free of
// actors and clocks (every call takes the time) so tests can drive them.
namespace flux {

// Circuit breaker: closed (calls flow) -> open after `failure_threshold`
// consecutive failures (calls are refused for `open_ms`) -> half-open (one
// trial call) -> closed on success, or open again with the open time doubled
// (up to `max_open_ms`) on failure.
class circuit_breaker {
public:
  enum class state { closed, open, half_open };

  struct options {
    uint32_t failure_threshold = 5;
    int64_t open_ms = 30000;
    int64_t max_open_ms = 300000;
  };

  circuit_breaker() = default;
  explicit circuit_breaker(options o) : opts_(o) {}

  // May a call start at `now`? In open state, once the open time is over,
  // this moves to half-open and allows exactly one trial call.
  bool allow(int64_t now);

  void on_success(int64_t now);
  void on_failure(int64_t now);

  // For an upstream with its own reconnect loop (a WebSocket feed): the
  // breaker mirrors the link instead of counting calls. Open once its
  // consecutive failed connection attempts reach the threshold (until
  // `retry_at`, its next attempt, when known), closed when it is up again
  // (`link_failures` 0).
  void follow(uint32_t link_failures, int64_t now, int64_t retry_at);

  state current() const { return state_; }
  const char* state_name() const { return to_string(state_); }
  static const char* to_string(state s);

  // When an open breaker lets a trial through (0 unless open).
  int64_t open_until() const { return state_ == state::open ? open_until_ : 0; }
  int64_t opened_at() const { return opened_at_; }
  uint32_t consecutive_failures() const { return failures_; }
  uint64_t opens() const { return opens_; }
  uint64_t rejected() const { return rejected_; }
  int64_t current_open_ms() const { return cur_open_ms_; }

private:
  options opts_;
  state state_ = state::closed;
  uint32_t failures_ = 0;
  int64_t opened_at_ = 0;
  int64_t open_until_ = 0;
  int64_t cur_open_ms_ = 0;
  bool trial_in_flight_ = false;
  uint64_t opens_ = 0;
  uint64_t rejected_ = 0;
};

// Token bucket: `per_minute` calls on average, at most `burst` at once.
// Thread-safe (connectors call it from I/O threads). per_minute <= 0: off.
class rate_limiter {
public:
  rate_limiter() = default;
  rate_limiter(double per_minute, double burst);

  // Takes a token if one is available at `now` (ms, any monotonic clock).
  bool try_acquire(int64_t now);

  // Milliseconds until a token is available (0: now).
  int64_t wait_ms(int64_t now);

  // The upstream said "not before `until`": no tokens until then.
  void block_until(int64_t until);

  bool enabled() const { return per_minute_ > 0; }
  double per_minute() const { return per_minute_; }
  double burst() const { return burst_; }
  uint64_t granted() const;
  uint64_t denied() const;

private:
  void refill(int64_t now);

  mutable std::mutex mtx_;
  double per_minute_ = 0;
  double burst_ = 1;
  double tokens_ = 1;
  int64_t last_ = -1;
  int64_t blocked_until_ = 0;
  uint64_t granted_ = 0;
  uint64_t denied_ = 0;
};

// Exponential backoff with jitter: `base` doubled per consecutive failure,
// capped at `max`, then scaled by a random factor in [0.5, 1.0] so sources
// failing together spread out. `unit` is a value in [0, 1) (random in the
// poller, fixed in tests).
int64_t backoff_ms(int64_t base, int64_t max, uint32_t failures, double unit);

} // namespace flux
