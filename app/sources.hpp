#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "bus/kafka_bus.hpp"
#include "config/flux_config.hpp"
#include "domains/http_client.hpp"
#include "domains/resilience.hpp"
#include "domains/source.hpp"
#include "gateway/ingest_options.hpp"
#include "rooms/room_directory.hpp"
#include "runtime/child_spec.hpp"

// What a node polls and serves: its sources, the pollers that publish them
// to the bus, and the rooms its room directory opens.
namespace flux::app {

// Simulated sources (offline, the default) or the real connectors
// (domains.mode=live, docs/connectors.md) over `http`, plus a fixed-rate
// load for benchmarks (bench/) when bench.rate > 0.
std::vector<source_spec> domain_sources(const flux_config& cfg,
                                        std::shared_ptr<httpc::client> http);

// One supervised poller per source, publishing to `event_bus`; none when
// `role` does not produce (gateway role: the pollers run elsewhere).
std::vector<child_spec> poller_specs(const flux_config& cfg,
                                     bus::node_role role,
                                     const std::vector<source_spec>& sources,
                                     const bus_actor& event_bus);

// Rooms open to webhook ingest (POST /ingest/{room}).
std::vector<gateway::ingest_room> ingest_rooms(const flux_config& cfg);

// The sources' rooms, then (live mode) the rooms of sources left out for
// want of a key, the ingest rooms and idle bench rooms; none when `role`
// does not consume (pollers role: no rooms to serve).
std::vector<room_decl>
served_rooms(const flux_config& cfg, bus::node_role role,
             const std::vector<source_spec>& sources,
             const std::vector<gateway::ingest_room>& ingest);

} // namespace flux::app
