#include "config/flux_config.hpp"

#include "core/check_options.hpp"

namespace flux {

flux_config::flux_config() {
  // CAF defaults to at least four scheduler threads. One worker beside the
  // Asio I/O thread fits a 2-core machine best: with two, the workers'
  // stealing and wake-ups cost more than they add (docs/benchmarks.md,
  // "Thread budget"). Raise both on a bigger machine.
  set("scheduler.max-threads", 1);
  // An idle worker spins briefly, then sleeps until work arrives. CAF's
  // default "moderate" phase wakes it every 50 us for 25 ms after each job:
  // 13 % of a core on an idle node with simulated feeds, and no faster
  // under load (docs/benchmarks.md, "Idle CPU").
  set("work-stealing.moderate-poll-attempts", 0);
  // Clustered (CAF networking loaded): notice a peer that went silent, not
  // only one whose connection closed (both are off in CAF by default).
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds{1}});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{5}});
  add_options(custom_options_, gateway);
  add_options(custom_options_, session);
  add_options(custom_options_, rooms);
  add_options(custom_options_, bus);
  add_options(custom_options_, node);
  add_options(custom_options_, cluster);
  add_options(custom_options_, domains);
  add_options(custom_options_, connectors);
  add_options(custom_options_, ingest);
  add_options(custom_options_, ops);
  add_options(custom_options_, bench);
  add_options(custom_options_, log);
  add_options(custom_options_, auth);
}

std::vector<std::string> flux_config::validate() const {
  std::vector<std::string> errors;
  check_options(gateway, errors);
  check_options(session, errors);
  check_options(rooms, errors);
  check_options(bus, errors);
  check_options(node, errors);
  check_options(cluster, errors);
  check_options(domains, errors);
  check_options(connectors, errors);
  check_options(ingest, errors);
  check_options(ops, errors);
  check_options(bench, errors);
  check_options(log, errors);
  check_options(auth, errors);
  // Across sections.
  need(errors, gateway.auth_token.empty() || !auth.has_keys(),
       "gateway.auth-token (one shared token) and auth.* keys (per-user "
       "tokens) both read ?token= and Socket.IO's auth.token: set one");
  need(errors,
       gateway.max_inflight_body_bytes >= 65536
         && gateway.max_inflight_body_bytes >= ingest.max_body_bytes,
       "gateway.max-inflight-body-bytes must be at least 65536 and at least "
       "ingest.max-body-bytes");
  if (bus.kind != "kafka")
    need(errors, node.role == "all",
         "node.role=" + node.role + " needs bus.kind=kafka (the embedded bus "
         "lives inside one process)");
  if (clustered()) {
    need(errors, bus.kind == "kafka",
         "a cluster needs bus.kind=kafka (positions must be the same on every "
         "node: Kafka offsets)");
    need(errors, node.role != "pollers",
         "node.role=pollers serves no rooms: it does not join a cluster");
  }
  need(errors, bench.rooms <= rooms.max_rooms,
       "bench.rooms must be at most rooms.max-rooms");
  auto threads = caf::get_or(*this, "scheduler.max-threads", size_t{0});
  need(errors, threads >= 1 && threads <= 64,
       "scheduler.max-threads must be between 1 and 64");
  return errors;
}

bool flux_config::is_set(const std::string& name) const {
  return caf::get_if(&content, name) != nullptr;
}

} // namespace flux
