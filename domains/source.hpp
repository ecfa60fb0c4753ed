#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/json.hpp"
#include "domains/resilience.hpp"

// A source turns one outside API (or a simulation of one) into events. The
// poller actor around it owns timing, single-flight, timeouts, backoff and
// staleness; the source only fetches and normalizes.
namespace flux {

struct fetch_result {
  bool ok = false;
  std::string error;         // why it failed, for logs and stale status
  std::vector<event> events; // normalized, ready to publish
  // The upstream asked us to wait (HTTP 429/503 Retry-After), in ms; the
  // poller starts no fetch of this source before then. 0: no such request.
  int64_t retry_after_ms = 0;
  // A streaming source's own connection: consecutive failed connection
  // attempts (0 while it is up) and when it tries next (ms since the epoch,
  // 0: unknown). The poller's breaker follows them instead of counting
  // fetches, so /stats shows the feed's breaker open while it is down.
  uint32_t link_failures = 0;
  int64_t link_retry_at_ms = 0;
};

class source {
public:
  virtual ~source() = default;

  // Stable name, e.g. "sim.weather.london"; used in logs, /stats, event ids.
  virtual std::string name() const = 0;

  // The rooms this source feeds (they go stale when it fails).
  virtual std::vector<std::string> rooms() const = 0;

  // Starts one fetch. `done` is called exactly once, on any thread (the
  // poller keeps the source in flight until then, even past its timeout).
  virtual void fetch(std::function<void(fetch_result)> done) = 0;

  // True for a source that keeps its own upstream connection (a WebSocket
  // feed with its own reconnect loop) and whose fetch only hands over what
  // arrived: the poller then neither backs off nor short-circuits on
  // failures, so the room is fresh again at the first flush after the feed
  // is back; its breaker follows fetch_result::link_failures (the feed's
  // reconnect loop) instead of counting failed fetches.
  virtual bool streaming() const { return false; }

  // Adds the source's own figures to its poller's /stats object (e.g. the
  // rate limits it applies per call). Called on the poller's thread.
  virtual void write_status(json::writer&) const {}
};

// A source as its poller runs it: how often, and how fast its upstream
// lets it (calls_per_min, 0: no limit; or `pacer`, a bucket shared with the
// other sources of the same host, named `pacer_key` on /stats).
struct source_spec {
  std::shared_ptr<source> src;
  std::chrono::milliseconds interval;
  double calls_per_min = 0;
  std::shared_ptr<rate_limiter> pacer;
  std::string pacer_key;
};

} // namespace flux
