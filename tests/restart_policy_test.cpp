// The restart policy: exponential backoff with jitter, and the intensity
// limit within a window.
#include <doctest/doctest.h>

#include <chrono>

#include "runtime/restart_policy.hpp"

using namespace flux;

TEST_CASE("restart_policy backs off exponentially and enforces intensity") {
  restart_limits limits;
  limits.initial_backoff = std::chrono::milliseconds{100};
  limits.max_backoff = std::chrono::milliseconds{1000};
  limits.max_restarts = 4;
  limits.window = std::chrono::milliseconds{10000};
  restart_policy p{limits};
  std::chrono::milliseconds d{0};
  REQUIRE(p.on_failure(0, d, 0.5));
  CHECK(d.count() == 100);
  REQUIRE(p.on_failure(10, d, 0.5));
  CHECK(d.count() == 200);
  REQUIRE(p.on_failure(20, d, 0.5));
  CHECK(d.count() == 400);
  REQUIRE(p.on_failure(30, d, 0.0)); // jitter low end: 80 %
  CHECK(d.count() == 640);
  CHECK_FALSE(p.on_failure(40, d, 0.5)); // 5th failure within the window
  CHECK(p.total_restarts() == 4);
}

TEST_CASE("restart_policy forgives failures outside the window") {
  restart_limits limits;
  limits.max_restarts = 2;
  limits.window = std::chrono::milliseconds{1000};
  limits.max_backoff = std::chrono::milliseconds{100000};
  restart_policy p{limits};
  std::chrono::milliseconds d{0};
  REQUIRE(p.on_failure(0, d, 0.5));
  REQUIRE(p.on_failure(100, d, 0.5));
  p.on_stable(5000);
  CHECK(p.consecutive() == 0);
  REQUIRE(p.on_failure(5000, d, 0.5));
  CHECK(d.count() == 100); // backoff starts over
}
