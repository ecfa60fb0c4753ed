#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "core/actors.hpp"
#include "gateway/gateway_options.hpp"
#include "gateway/ingest.hpp"
#include "gateway/ops_access.hpp"
#include "sessions/session.hpp"

// What every connection of the gateway shares: the actor system, the actors
// it talks to, the options, and the connection counters shown in /stats.
namespace flux::gateway {

struct context {
  context(caf::actor_system& s, options o, node_actor n,
          room_directory_actor d)
    : sys(s),
      opts(std::move(o)),
      ops(decide_ops_mode(opts.ops, opts.bind)),
      node(std::move(n)),
      directory(std::move(d)) {
  }

  caf::actor_system& sys;
  options opts;
  ops_mode ops; // who may read /stats and /metrics, decided once
  node_actor node;
  room_directory_actor directory;
  cluster_actor cluster; // when clustered: /stats?scope=cluster asks it
  ingest_pump_actor ingest_pump; // between ingest and the bus (ingest.hpp)
  std::atomic<int64_t> websockets{0};   // open WebSocket clients
  std::atomic<int64_t> http_connections{0}; // open, not upgraded
  std::atomic<int64_t> inflight_body_bytes{0}; // reserved by bodies being read
  // Ingested events not yet routed to their rooms; shared with
  // the actors that wait for the bus (they may outlive the gateway).
  std::shared_ptr<ingest_backlog> backlog = std::make_shared<ingest_backlog>();
  std::atomic<uint64_t> accepted{0};    // TCP connections accepted
  std::atomic<uint64_t> upgrades{0};    // WebSocket handshakes completed
  std::atomic<uint64_t> rejected{0};    // refused (over max-connections)
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> session_ids{0};
  std::atomic<bool> stopping{false};
};

} // namespace flux::gateway
