// Circuit breaker, rate limiter and backoff: what keeps a connector from
// hammering an upstream that is down or limits its callers.
#include <doctest/doctest.h>

#include "domains/resilience.hpp"

using namespace flux;

TEST_CASE("circuit breaker: closed -> open -> half-open -> open (longer) -> closed") {
  circuit_breaker b{{3, 1000, 8000}};
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.allow(0));
  b.on_failure(0);
  b.on_failure(10);
  CHECK(b.current() == circuit_breaker::state::closed);
  b.on_failure(20);
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.open_until() == 1020);
  CHECK_FALSE(b.allow(500)); // refused while open
  CHECK(b.rejected() == 1);
  CHECK(b.allow(1020)); // the trial
  CHECK(b.current() == circuit_breaker::state::half_open);
  CHECK_FALSE(b.allow(1021)); // only one trial at a time
  b.on_failure(1100); // trial failed: open for twice as long
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.open_until() == 3100);
  CHECK(b.opens() == 2);
  CHECK(b.allow(3100));
  b.on_failure(3200);
  CHECK(b.open_until() == 3200 + 4000);
  CHECK(b.allow(7200));
  b.on_failure(7300);
  CHECK(b.open_until() == 7300 + 8000); // capped
  CHECK(b.allow(15300));
  b.on_success(15400);
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.consecutive_failures() == 0);
  // Closed again: the threshold counts from zero, and the next open time
  // starts from the base again.
  b.on_failure(16000);
  b.on_failure(16001);
  CHECK(b.current() == circuit_breaker::state::closed);
  b.on_failure(16002);
  CHECK(b.open_until() == 17002);
  CHECK(std::string{circuit_breaker::to_string(circuit_breaker::state::half_open)}
        == "half-open");
}

TEST_CASE("a breaker with threshold 0 never opens") {
  circuit_breaker b{{0, 1000, 1000}};
  for (int i = 0; i < 100; ++i)
    b.on_failure(i);
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.allow(1000));
}

TEST_CASE("a breaker following a feed's reconnect loop: open while down, closed when up") {
  circuit_breaker b{{3, 1000, 8000}};
  b.follow(1, 100, 600);
  b.follow(2, 700, 1700);
  CHECK(b.current() == circuit_breaker::state::closed); // under the threshold
  b.follow(3, 1800, 3800);
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.opened_at() == 1800);
  CHECK(b.open_until() == 3800); // the feed's next attempt
  b.follow(4, 3900, 7900); // still down: the same opening, a later retry
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.opened_at() == 1800);
  CHECK(b.open_until() == 7900);
  b.follow(0, 8000, 0); // reconnected
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.open_until() == 0);
  b.follow(3, 9000, 9500);
  CHECK(b.opens() == 2);
  circuit_breaker off{{0, 1000, 1000}};
  off.follow(100, 0, 500);
  CHECK(off.current() == circuit_breaker::state::closed);
}

TEST_CASE("rate limiter: burst, then the average rate, and Retry-After blocks") {
  rate_limiter r{60, 3}; // one a second, three at once
  CHECK(r.try_acquire(0));
  CHECK(r.try_acquire(0));
  CHECK(r.try_acquire(0));
  CHECK_FALSE(r.try_acquire(0));
  CHECK(r.wait_ms(0) == 1000);
  CHECK_FALSE(r.try_acquire(999));
  CHECK(r.try_acquire(1000));
  CHECK_FALSE(r.try_acquire(1500));
  // 10 s later the bucket holds its burst, not ten tokens.
  int granted = 0;
  for (int i = 0; i < 10; ++i)
    granted += r.try_acquire(11000) ? 1 : 0;
  CHECK(granted == 3);
  r.block_until(20000);
  CHECK_FALSE(r.try_acquire(19999));
  CHECK(r.wait_ms(15000) >= 5000);
  CHECK(r.try_acquire(21000)); // one token refilled after the block
  CHECK_FALSE(r.try_acquire(21000));
  rate_limiter off;
  for (int i = 0; i < 100; ++i)
    CHECK(off.try_acquire(0));
  CHECK(off.wait_ms(0) == 0);
}

TEST_CASE("backoff doubles per failure, is capped, and jitters in [50 %, 100 %]") {
  CHECK(backoff_ms(100, 10000, 1, 1.0) == 200);
  CHECK(backoff_ms(100, 10000, 3, 1.0) == 800);
  CHECK(backoff_ms(100, 10000, 3, 0.0) == 400);
  CHECK(backoff_ms(100, 1000, 20, 1.0) == 1000);
  CHECK(backoff_ms(100, 1000, 20, 0.0) == 500);
  CHECK(backoff_ms(100, 1000, 1000, 0.5) == 750);
}
