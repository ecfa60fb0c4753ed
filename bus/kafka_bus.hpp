#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "bus/kafka_buffer.hpp"
#include "bus/kafka_config.hpp"
#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "runtime/child_spec.hpp"

// The Kafka event bus as the rest of Flux sees it: one stable actor with
// the embedded bus's contract (bus_actor, bus/embedded_bus.hpp) in front of
// the supervised producer and consumer actors, whose handles change when
// they are restarted.
//
//   (publish_atom, event)               -> the producer as (publish_atom,
//                                          seq, event); kept here until the
//                                          producer confirms it, and sent
//                                          again to a restarted producer
//   (deliver_atom, std::vector<uint64_t> seqs)  from the producer: these
//                                          publishes were delivered (or
//                                          given up for good)
//   (subscribe_atom, topic, group, consumer) -> int32 partitions; the
//                                          consumer delivers to `consumer`
//   (commit_atom, topic, group, partition, next_offset) -> the consumer
//   (status_atom) -> std::string JSON
//
// Children announce themselves with (join_atom, producer) or (join_atom,
// consumer) (sent by the start functions of kafka_children()), and report
// readiness with (health_atom, "producer"|"consumer", ok, reason, false).
// The bus turns these into one (health_atom, "kafka", ok, reason, serving)
// for the node (kafka_bus_actor in core/actors.hpp): /readyz
// says 503 with e.g. "kafka: broker down: ..." while the broker is away, and
// ready again when both clients are back. `serving` (the node is "degraded",
// not "not_ready") when the bus was ready before and every problem is an
// outage: broker unreachable, or a client being restarted.
namespace flux::bus {

enum class node_role { all, pollers, gateway };

bool parse_node_role(const std::string& text, node_role& out);
const char* to_string(node_role r);

inline bool produces(node_role r) { return r != node_role::gateway; }
inline bool consumes(node_role r) { return r != node_role::pollers; }

struct kafka_bus_options {
  kafka_options kafka;
  node_role role = node_role::all;
};

struct kafka_bus_state {
  static inline const char* name = "kafka_bus";
  kafka_bus_options opts;
  node_actor node;
  kafka_producer_actor producer;
  kafka_consumer_actor consumer;
  // The subscription, replayed to a restarted consumer.
  std::string sub_topic;
  std::string sub_group;
  record_actor subscriber;
  // Every published event the producer has not confirmed yet, in publish
  // order: a producer that crashes loses its own buffer and librdkafka's
  // queue, so its successor gets these again (duplicates of events that
  // were delivered after all are dropped by the rooms' dedup). Bounded by
  // buffer_events + max_in_flight, what the producer itself can hold.
  bounded_buffer<retained_event> retained;
  uint64_t next_seq = 0;
  uint64_t last_sent = 0; // the last seq sent to a producer
  // Readiness per client: component -> (ok, reason).
  std::map<std::string, std::pair<bool, std::string>> health;
  bool reported = false;
  bool reported_ok = false;
  bool reported_serving = false; // not ok, but degraded (an outage)
  bool ever_ready = false;
  std::string reported_reason;
  actor_counters counters;
  uint64_t published = 0;
  uint64_t rejected = 0; // publishes in the gateway role
  uint64_t forwarded_commits = 0;
  uint64_t producer_attachments = 0;
  uint64_t confirmed = 0; // confirmations from the producer
  uint64_t replayed = 0;  // events sent again to a restarted producer
  uint64_t consumer_attachments = 0;
};

// The bus's status reply: the common fields (of `self`), role, readiness
// and the clients' attachments and publish figures.
void write_status(json::writer& w, const kafka_bus_state& st,
                  caf::scheduled_actor* self);

kafka_bus_actor::behavior_type
kafka_bus(kafka_bus_actor::stateful_pointer<kafka_bus_state> self,
          kafka_bus_options opts, node_actor node);

// The supervisor's children for a role: a detached producer and/or
// consumer, each announcing itself to `bus` when (re)started.
std::vector<child_spec> kafka_children(const kafka_bus_options& opts,
                                       kafka_bus_actor bus);

} // namespace flux::bus
