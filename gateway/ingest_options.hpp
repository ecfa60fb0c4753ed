#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

#include "auth/access_policy.hpp"
#include "core/actors.hpp"
#include "rooms/room_core.hpp"

// The ingest.* section (POST /ingest/{room}, gateway/ingest.hpp).
namespace flux::gateway {

struct ingest_room {
  std::string name;
  room_class cls = room_class::snapshot;
};

struct ingest_options {
  std::string token; // static token; empty: only JWTs (when auth.* has keys)
  size_t max_body_bytes = 1 << 20;
  size_t max_events = 1000;
  size_t max_inflight_events = 1000; // not yet routed to their rooms
  // rooms.max-event-bytes: a larger event would be dropped by its room, so
  // it is refused here with 413 instead of accepted and lost.
  size_t max_event_bytes = 128 * 1024;
  // Rooms open to ingest: "name:snapshot" | "name:stream", as configured,
  // and parsed (set by whoever starts the gateway).
  std::vector<std::string> rooms;
  std::vector<ingest_room> parsed_rooms;
  bus_actor bus;
  // Verifies JWTs with an `ingest` claim (auth.*; set by whoever starts the
  // gateway). Null or without keys: only the static token.
  std::shared_ptr<const auth::access_policy> access;
};

void add_options(caf::config_option_set& set, ingest_options& opts);
void check_options(const ingest_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux::gateway
