#include "domains/poller.hpp"

#include <algorithm>
#include <functional>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "domains/source_event.hpp"

namespace flux {

namespace {

using self_ptr = poller_actor::stateful_pointer<poller_state>;

// Schedules the next tick in `delay`; earlier scheduled ticks are ignored.
void schedule(self_ptr self, int64_t delay) {
  auto gen = ++self->state.tick_gen;
  self->delayed_send(self, std::chrono::milliseconds{std::max<int64_t>(delay, 1)},
                     atom::tick_v, gen);
}

void publish_status(self_ptr self, bool stale, const std::string& reason) {
  auto& st = self->state;
  for (auto& room : st.src->rooms()) {
    json::writer w;
    w.start_object();
    w.kv("stale", stale);
    w.kv("source", st.name_);
    if (stale) {
      w.kv("since", st.last_success_ms > 0 ? st.last_success_ms
                                           : st.last_failure_ms);
      w.kv("reason", reason);
    }
    w.end_object();
    self->send(st.bus, atom::publish_v,
               make_status_event(st.name_, room, w.take()));
  }
}

void on_failure(self_ptr self, const std::string& why,
                int64_t retry_after_ms = 0, uint32_t link_failures = 0,
                int64_t link_retry_at_ms = 0) {
  auto& st = self->state;
  auto now = now_ms();
  ++st.failures;
  ++st.consecutive_failures;
  st.last_failure_ms = now;
  auto was = st.breaker.current();
  if (st.src->streaming()) // the breaker mirrors the feed's reconnect loop
    st.breaker.follow(link_failures, now, link_retry_at_ms);
  else
    st.breaker.on_failure(now);
  // Back off (with jitter), at least as long as the upstream asked, and
  // while the breaker is open, until it lets a trial through.
  auto delay = st.src->streaming()
                 ? st.opts.interval.count()
                 : backoff_ms(st.opts.interval.count(),
                              st.opts.max_backoff.count(),
                              st.consecutive_failures, random_unit());
  if (retry_after_ms > 0) {
    ++st.retry_after;
    st.last_retry_after_ms = retry_after_ms;
    delay = std::max(delay, retry_after_ms);
  }
  if (st.breaker.current() == circuit_breaker::state::open
      && !st.src->streaming())
    delay = std::max(delay, st.breaker.open_until() - now);
  st.backoff_ms = delay;
  st.last_backoff_ms = delay;
  st.not_before = now + delay;
  schedule(self, delay);
  if (st.consecutive_failures == 1 || st.consecutive_failures % 10 == 0)
    log::warn("poller", "fetch failed",
              {{"source", st.name_}, {"error", why},
               {"consecutive", std::to_string(st.consecutive_failures)},
               {"retry_in_ms", std::to_string(delay)}});
  if (st.breaker.current() == circuit_breaker::state::open
      && (was != circuit_breaker::state::open))
    log::warn("poller", "circuit breaker open",
              {{"source", st.name_},
               {"open_ms", std::to_string(st.breaker.current_open_ms())},
               {"from", circuit_breaker::to_string(was)}});
  if (!st.stale && st.consecutive_failures >= st.opts.stale_after_failures) {
    st.stale = true;
    st.stale_reason = why;
    publish_status(self, true, why);
  }
}

void on_success(self_ptr self, std::vector<event>& events,
                uint32_t link_failures = 0, int64_t link_retry_at_ms = 0) {
  auto& st = self->state;
  auto was = st.breaker.current();
  if (st.src->streaming()) // e.g. still connecting for the first time
    st.breaker.follow(link_failures, now_ms(), link_retry_at_ms);
  else
    st.breaker.on_success(now_ms());
  if (was != circuit_breaker::state::closed
      && st.breaker.current() == circuit_breaker::state::closed)
    log::info("poller", "circuit breaker closed", {{"source", st.name_}});
  st.consecutive_failures = 0;
  st.not_before = 0;
  st.backoff_ms = 0;
  st.last_success_ms = now_ms();
  if (st.stale) {
    st.stale = false;
    st.stale_reason.clear();
    log::info("poller", "source recovered", {{"source", st.name_}});
    publish_status(self, false, "");
  }
  for (auto& e : events) {
    if (e.kind == event_kind::snapshot) {
      auto h = std::hash<std::string>{}(e.data);
      auto& last = st.last_hash[e.room];
      if (last == h) {
        ++st.suppressed;
        continue;
      }
      last = h;
    }
    ++st.published;
    self->send(st.bus, atom::publish_v, std::move(e));
  }
}

void start_fetch(self_ptr self) {
  auto& st = self->state;
  if (st.in_flight) {
    ++st.skipped;
    return;
  }
  st.in_flight = true;
  st.timed_out = false;
  auto seq = ++st.seq;
  ++st.fetches;
  poller_actor me{self};
  st.src->fetch([me, seq](fetch_result r) {
    caf::anon_send(me, atom::fetched_v, seq, r.ok, std::move(r.error),
                   std::move(r.events), r.retry_after_ms, r.link_failures,
                   r.link_retry_at_ms);
  });
  self->delayed_send(self, st.opts.timeout, atom::fetched_v, seq);
}

// A tick: starts a fetch unless one is in flight, the poller is backing
// off, the breaker is open or the rate limit says wait; then reschedules.
void on_tick(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  ++st.counters.handled;
  if (gen != st.tick_gen)
    return; // superseded by a later schedule
  auto now = now_ms();
  auto interval = st.opts.interval.count();
  if (st.in_flight) { // single-flight: never two fetches at once
    ++st.skipped;
    return schedule(self, interval);
  }
  if (now < st.not_before) // backing off, or Retry-After
    return schedule(self, st.not_before - now);
  // A streaming source's fetch only reads what its feed received: it
  // keeps running while the (mirroring) breaker is open.
  bool streaming = st.src->streaming();
  if (!streaming && st.breaker.current() == circuit_breaker::state::open
      && now < st.breaker.open_until()) {
    ++st.short_circuited;
    return schedule(self, st.breaker.open_until() - now);
  }
  // The bucket may be shared with other pollers: take the token here,
  // not after a separate check another poller could race.
  if (st.pacer && !st.pacer->try_acquire(now)) {
    ++st.rate_limited;
    return schedule(self, std::max<int64_t>(st.pacer->wait_ms(now), 1));
  }
  if (!streaming && !st.breaker.allow(now)) { // half-open: trial running
    ++st.short_circuited;
    return schedule(self, interval);
  }
  start_fetch(self);
  schedule(self, interval);
}

} // namespace

void write_status(json::writer& w, const poller_state& st,
                  caf::scheduled_actor* self) {
  w.start_object();
  write_common_status(w, self, "poller", st.name_, st.counters);
  w.kv("interval_ms", static_cast<int64_t>(st.opts.interval.count()));
  w.kv("in_flight", st.in_flight);
  w.kv("in_flight_timed_out", st.in_flight && st.timed_out);
  w.kv("stale", st.stale);
  if (st.stale)
    w.kv("stale_reason", st.stale_reason);
  w.kv("last_success_ms", st.last_success_ms);
  w.kv("last_failure_ms", st.last_failure_ms);
  w.kv("consecutive_failures",
       static_cast<uint64_t>(st.consecutive_failures));
  w.kv("fetches", st.fetches);
  w.kv("failures", st.failures);
  w.kv("timeouts", st.timeouts);
  w.kv("late", st.late);
  w.kv("skipped", st.skipped);
  w.kv("published", st.published);
  w.kv("suppressed", st.suppressed);
  w.kv("backoff_ms", st.backoff_ms);
  w.kv("last_backoff_ms", st.last_backoff_ms);
  w.kv("retry_after", st.retry_after);
  w.kv("last_retry_after_ms", st.last_retry_after_ms);
  w.kv("short_circuited", st.short_circuited);
  w.kv("rate_limited", st.rate_limited);
  if (st.pacer) {
    w.kv("rate_limit_per_min", st.pacer->per_minute());
    if (!st.opts.pacer_key.empty()) // shared with the host's pollers
      w.kv("rate_limit_bucket", st.opts.pacer_key);
  }
  st.src->write_status(w);
  w.key("breaker");
  w.start_object();
  w.kv("state", st.breaker.state_name());
  w.kv("opens", st.breaker.opens());
  w.kv("rejected", st.short_circuited);
  w.kv("opened_at_ms", st.breaker.opened_at());
  w.kv("open_until_ms", st.breaker.open_until());
  w.kv("failure_threshold",
       static_cast<uint64_t>(st.opts.breaker.failure_threshold));
  w.end_object();
  w.end_object();
}

poller_actor::behavior_type poller(self_ptr self, std::shared_ptr<source> src,
                                   bus_actor bus, poller_options opts) {
  auto& st = self->state;
  st.src = std::move(src);
  st.name_ = st.src->name();
  st.bus = std::move(bus);
  st.opts = opts;
  st.breaker = circuit_breaker{opts.breaker};
  st.pacer = opts.pacer;
  if (!st.pacer && opts.max_fetches_per_min > 0)
    st.pacer = std::make_shared<rate_limiter>(opts.max_fetches_per_min,
                                              opts.fetch_burst);
  schedule(self, 0);
  return {
    [self](atom::tick, uint64_t gen) { on_tick(self, gen); },
    [self](atom::fetched, uint64_t seq, bool ok, std::string& error,
           std::vector<event>& events, int64_t retry_after_ms,
           uint32_t link_failures, int64_t link_retry_at_ms) {
      auto& st = self->state;
      ++st.counters.handled;
      if (seq != st.seq || !st.in_flight)
        return;
      st.in_flight = false; // the next tick may start a fetch again
      if (st.timed_out) { // already counted as a failure: drop (poller.hpp)
        ++st.late;
        return;
      }
      if (ok)
        on_success(self, events, link_failures, link_retry_at_ms);
      else
        on_failure(self, error, retry_after_ms, link_failures,
                   link_retry_at_ms);
    },
    [self](atom::fetched, uint64_t seq) {
      auto& st = self->state;
      ++st.counters.handled;
      if (seq != st.seq || !st.in_flight || st.timed_out)
        return;
      // Counted as a failure now (stale, backoff, breaker), but still in
      // flight: the request may be running upstream, and single-flight
      // means no second one until it ends.
      st.timed_out = true;
      ++st.timeouts;
      on_failure(self, "timeout after " + std::to_string(st.opts.timeout.count())
                         + " ms");
    },
    [self](atom::status) -> std::string {
      auto& st = self->state;
      ++st.counters.handled;
      json::writer w;
      write_status(w, st, self);
      return w.take();
    },
  };
}

} // namespace flux
