#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "core/json.hpp"
#include "domains/resilience.hpp"
#include "domains/source.hpp"

// One actor per source. Every interval it starts a fetch unless one is still
// running (single-flight), gives up on a fetch after a timeout, backs off
// exponentially with jitter while the source keeps failing (and at least as
// long as the upstream's Retry-After asks), paces its fetches to an upstream
// rate limit, stops calling a source that keeps failing (circuit breaker:
// closed -> open -> half-open), publishes what the source returns (skipping
// snapshots identical to the last one), and tells the source's rooms when
// its data goes stale and when it is fresh again.
//
// A fetch that times out counts as a failed fetch (stale, backoff, breaker)
// but stays in flight until the source's callback fires, so a request still
// running upstream is never joined by a second one. Its late answer is
// counted (`late`) and dropped: the failure is already counted, and a source
// that only ever answers after the timeout should stay stale (and open its
// breaker) rather than flap between stale and fresh.
//
// Messages (poller_actor in core/actors.hpp):
//   (tick_atom, generation)                                internal timer
//   (fetched_atom, seq, ok, error, events, retry_after_ms,
//    link_failures, link_retry_at_ms)                      a fetch completed
//   (fetched_atom, seq)                                    fetch timeout
//   (status_atom) -> std::string JSON
namespace flux {

struct poller_options {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds max_backoff{60000};
  uint32_t stale_after_failures = 1;
  // Consecutive failures that open the breaker (0: no breaker), and how
  // long it stays open before a trial fetch (doubling up to max_open_ms).
  circuit_breaker::options breaker;
  // Upstream rate limit for this source's fetches (0: none).
  double max_fetches_per_min = 0;
  double fetch_burst = 1;
  // Or a bucket shared with other pollers of the same upstream host (e.g.
  // every Open-Meteo city); `pacer_key` names it on /stats.
  std::shared_ptr<rate_limiter> pacer;
  std::string pacer_key;
};

struct poller_state {
  static inline const char* name = "poller";
  std::shared_ptr<source> src;
  std::string name_;
  bus_actor bus;
  poller_options opts;
  uint64_t seq = 0;        // the fetch in flight (or the last one)
  bool in_flight = false;  // until the source's callback fires
  bool timed_out = false;  // the fetch in flight has already timed out
  uint64_t tick_gen = 0;   // only the latest scheduled tick counts
  int64_t not_before = 0;  // no fetch before (backoff, Retry-After)
  int64_t backoff_ms = 0;  // the current backoff delay (0: none)
  int64_t last_backoff_ms = 0; // the delay after the last failure (kept)
  int64_t last_retry_after_ms = 0;
  circuit_breaker breaker;
  std::shared_ptr<rate_limiter> pacer;
  std::map<std::string, size_t> last_hash; // room -> hash of last snapshot
  bool stale = false;
  std::string stale_reason;
  int64_t last_success_ms = 0;
  int64_t last_failure_ms = 0;
  uint32_t consecutive_failures = 0;
  actor_counters counters;
  uint64_t fetches = 0;
  uint64_t failures = 0;
  uint64_t timeouts = 0;
  uint64_t late = 0;       // answers of timed-out fetches (dropped)
  uint64_t skipped = 0;    // ticks skipped: a fetch was still in flight
  uint64_t published = 0;
  uint64_t suppressed = 0; // unchanged snapshots not published
  uint64_t short_circuited = 0; // ticks refused by the open breaker
  uint64_t rate_limited = 0;    // ticks delayed by the rate limit
  uint64_t retry_after = 0;     // failures that carried a Retry-After
};

// The poller's status reply: the common fields of `self`
// (write_common_status), the poller's own figures, its source's
// (source::write_status) and its breaker's, as one JSON object.
void write_status(json::writer& w, const poller_state& st,
                  caf::scheduled_actor* self);

poller_actor::behavior_type
poller(poller_actor::stateful_pointer<poller_state> self,
       std::shared_ptr<source> src, bus_actor bus, poller_options opts);

} // namespace flux
