#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "bus/event_log.hpp"
#include "core/actor_stats.hpp"
#include "core/actors.hpp"

// The embedded event bus: an actor around the in-process event log with the
// same contract the Kafka producer and consumer offer. Producers publish
// events (keyed by room); a consumer group subscribes to a topic and gets
// every record from its committed offset on (from the oldest retained one
// if it never committed), then new records as they are appended.
//
// Messages (bus_actor in core/actors.hpp):
//   (publish_atom, event)                              from sources
//   (subscribe_atom, topic, group, consumer) -> int32 partitions
//       then (deliver_atom, epoch, partition, offset, value) to the consumer
//   (commit_atom, topic, group, partition, next_offset)
//   (status_atom) -> std::string JSON
namespace flux::bus {

struct embedded_bus_options {
  std::string topic = "flux.events";
  int32_t partitions = 4;
  retention keep;
};

struct embedded_bus_state {
  static inline const char* name = "embedded_bus";
  embedded_bus_options opts;
  event_log log;
  // Positions carry the epoch: a new log (a restarted process) is a new
  // stream, so old positions are recognised as such.
  std::string epoch;
  // (topic, group) -> consumer; one consumer per group in process.
  std::map<std::pair<std::string, std::string>, record_actor> consumers;
  std::map<std::pair<std::string, std::string>, std::map<int32_t, int64_t>>
    committed;
  actor_counters counters;
  uint64_t published = 0;
  uint64_t publish_errors = 0;
};

// The bus's status reply: the common fields (of `self`), the epoch, and per
// partition its offsets, size and each group's committed offset and lag.
void write_status(json::writer& w, const embedded_bus_state& st,
                  caf::scheduled_actor* self);

bus_actor::behavior_type
embedded_bus(bus_actor::stateful_pointer<embedded_bus_state> self,
             embedded_bus_options opts);

} // namespace flux::bus
