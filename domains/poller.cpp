#include "domains/poller.hpp"

#include <algorithm>
#include <functional>
#include <random>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux {

namespace {

using self_ptr = caf::stateful_actor<poller_state>*;

std::chrono::milliseconds next_delay(const poller_state& st) {
  if (st.consecutive_failures == 0)
    return st.opts.interval;
  static thread_local std::mt19937 rng{std::random_device{}()};
  auto base = static_cast<double>(st.opts.interval.count());
  for (uint32_t i = 0; i < st.consecutive_failures && i < 20; ++i)
    base *= 2;
  base = std::min(base, static_cast<double>(st.opts.max_backoff.count()));
  // Full jitter in [50 %, 100 %]: sources failing together spread out.
  base *= std::uniform_real_distribution<double>{0.5, 1.0}(rng);
  return std::chrono::milliseconds{static_cast<int64_t>(base)};
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
    event e;
    e.id = st.name_ + "-status-" + random_hex(12);
    e.room = room;
    e.kind = event_kind::status;
    e.source = st.name_;
    e.ts = now_ms();
    e.data = w.take();
    self->send(st.bus, atom::publish_v, std::move(e));
  }
}

void on_failure(self_ptr self, const std::string& why) {
  auto& st = self->state;
  ++st.failures;
  ++st.consecutive_failures;
  st.last_failure_ms = now_ms();
  if (st.consecutive_failures == 1 || st.consecutive_failures % 10 == 0)
    log::warn("poller", "fetch failed",
              {{"source", st.name_}, {"error", why},
               {"consecutive", std::to_string(st.consecutive_failures)}});
  if (!st.stale && st.consecutive_failures >= st.opts.stale_after_failures) {
    st.stale = true;
    st.stale_reason = why;
    publish_status(self, true, why);
  }
}

void on_success(self_ptr self, std::vector<event>& events) {
  auto& st = self->state;
  st.consecutive_failures = 0;
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
  auto seq = ++st.seq;
  ++st.fetches;
  caf::actor me{self};
  st.src->fetch([me, seq](fetch_result r) {
    caf::anon_send(me, atom::fetched_v, seq, r.ok, std::move(r.error),
                   std::move(r.events));
  });
  self->delayed_send(self, st.opts.timeout, atom::fetched_v, seq);
}

} // namespace

caf::behavior poller(self_ptr self, std::shared_ptr<source> src,
                     caf::actor bus, poller_options opts) {
  auto& st = self->state;
  st.src = std::move(src);
  st.name_ = st.src->name();
  st.bus = std::move(bus);
  st.opts = opts;
  self->send(self, atom::tick_v);
  return {
    [self](atom::tick) {
      ++self->state.counters.handled;
      start_fetch(self);
      self->delayed_send(self, next_delay(self->state), atom::tick_v);
    },
    [self](atom::fetched, uint64_t seq, bool ok, std::string& error,
           std::vector<event>& events) {
      auto& st = self->state;
      ++st.counters.handled;
      if (seq != st.seq || !st.in_flight)
        return; // late answer to a fetch that already timed out
      st.in_flight = false;
      if (ok)
        on_success(self, events);
      else
        on_failure(self, error);
    },
    [self](atom::fetched, uint64_t seq) {
      auto& st = self->state;
      ++st.counters.handled;
      if (seq != st.seq || !st.in_flight)
        return;
      st.in_flight = false;
      ++st.timeouts;
      on_failure(self, "timeout after " + std::to_string(st.opts.timeout.count())
                         + " ms");
    },
    [self](atom::status) -> std::string {
      auto& st = self->state;
      ++st.counters.handled;
      json::writer w;
      w.start_object();
      write_common_status(w, self, "poller", st.name_, st.counters);
      w.kv("interval_ms", static_cast<int64_t>(st.opts.interval.count()));
      w.kv("in_flight", st.in_flight);
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
      w.kv("skipped", st.skipped);
      w.kv("published", st.published);
      w.kv("suppressed", st.suppressed);
      w.end_object();
      return w.take();
    },
  };
}

} // namespace flux
