// The poller: fetch timeouts, late answers, and a shared rate budget.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actor_test_support.hpp"
#include "domains/poller.hpp"

using namespace flux;
using namespace flux::tests;

namespace {

// A source whose fetches end only when the test says so.
struct held_source : source {
  std::string name_ = "held";
  std::vector<std::function<void(fetch_result)>> pending;
  int fetches = 0;
  std::string name() const override { return name_; }
  std::vector<std::string> rooms() const override { return {"held.room"}; }
  void fetch(std::function<void(fetch_result)> done) override {
    ++fetches;
    pending.push_back(std::move(done));
  }
};

caf::behavior null_bus(caf::stateful_actor<probe_state>*) {
  return {[](atom::publish, event&) {}};
}

fetch_result ok_result(const std::string& data) {
  fetch_result r;
  r.ok = true;
  r.events.push_back(make_event("e-" + data, "held.room", data));
  r.events.back().kind = event_kind::snapshot;
  return r;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a timed-out fetch stays in flight until its "
                           "source answers, and the late answer is dropped") {
  auto src = std::make_shared<held_source>();
  auto bus = sys.spawn(null_bus);
  poller_options o;
  o.interval = std::chrono::milliseconds{100};
  o.timeout = std::chrono::milliseconds{500};
  o.max_backoff = std::chrono::milliseconds{200};
  o.breaker.failure_threshold = 0;
  auto p = sys.spawn(poller, std::shared_ptr<source>{src},
                    caf::actor_cast<bus_actor>(bus), o);
  run();
  advance(std::chrono::milliseconds{1});
  REQUIRE(src->fetches == 1);
  advance(std::chrono::milliseconds{500}); // the poller's timeout
  auto& st = state_of<poller_state>(p);
  CHECK(st.timeouts == 1);
  CHECK(st.stale);
  CHECK(st.in_flight);
  // Past the backoff (wall clock) and many intervals: the request may still
  // run upstream, so no second one starts.
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  for (int i = 0; i < 20; ++i)
    advance(std::chrono::milliseconds{100});
  CHECK(src->fetches == 1);
  CHECK(st.skipped > 0);
  // The late answer: counted and dropped (the failure is already counted).
  src->pending.at(0)(ok_result("{\"v\":1}"));
  run();
  CHECK(st.late == 1);
  CHECK_FALSE(st.in_flight);
  CHECK(st.published == 0);
  CHECK(st.stale);
  // Now the next tick fetches again, and an answer in time counts.
  std::this_thread::sleep_for(std::chrono::milliseconds{250});
  for (int i = 0; i < 5 && src->fetches == 1; ++i)
    advance(std::chrono::milliseconds{100});
  REQUIRE(src->fetches == 2);
  src->pending.at(1)(ok_result("{\"v\":2}"));
  run();
  CHECK(st.published == 1);
  CHECK_FALSE(st.stale);
  CHECK(st.late == 1);
  end_all(p, bus);
  run();
}

TEST_CASE_FIXTURE(fixture, "pollers sharing a host's bucket share its budget") {
  auto a = std::make_shared<held_source>();
  auto b = std::make_shared<held_source>();
  a->name_ = "a";
  b->name_ = "b";
  auto bus = sys.spawn(null_bus);
  poller_options o;
  o.interval = std::chrono::milliseconds{10};
  o.pacer = std::make_shared<rate_limiter>(6, 2); // 2 at once, then 1 / 10 s
  o.pacer_key = "host";
  auto pa = sys.spawn(poller, std::shared_ptr<source>{a},
                     caf::actor_cast<bus_actor>(bus), o);
  auto pb = sys.spawn(poller, std::shared_ptr<source>{b},
                     caf::actor_cast<bus_actor>(bus), o);
  run();
  for (int i = 0; i < 30; ++i) {
    advance(std::chrono::milliseconds{10});
    for (auto* s : {a.get(), b.get()}) // answer at once: never in flight
      for (auto& done : s->pending)
        if (done)
          std::exchange(done, nullptr)(ok_result("{}"));
    run();
  }
  CHECK(a->fetches + b->fetches == 2); // the burst, then no token (10 s)
  CHECK(state_of<poller_state>(pa).rate_limited
          + state_of<poller_state>(pb).rate_limited > 0);
  end_all(pa, pb, bus);
  run();
}
