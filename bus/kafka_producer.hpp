#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "bus/kafka_buffer.hpp"
#include "bus/kafka_client.hpp"
#include "core/actor_stats.hpp"

struct rd_kafka_topic_s;

// The Kafka producer: a detached actor (its own thread; never a scheduler
// worker) around an idempotent librdkafka producer. Events are encoded once
// (docs/events.md) and keyed by room with Kafka's default partitioner
// (murmur2), so a room's events stay on one partition in order. They go
// through a bounded local buffer (bus/kafka_buffer.hpp) into librdkafka,
// which holds at most `max_in_flight` unacknowledged messages and retries
// them by itself while the broker is away. Delivery reports are counted.
// It creates the topic on start if missing, and reports its readiness to
// the bus actor.
//
// Messages (kafka_producer_actor in core/actors.hpp):
//   (publish_atom, seq:uint64, event)           from the bus actor
//   (tick_atom)                                 internal: poll librdkafka
//   (status_atom) -> std::string JSON
// Sends:
//   (health_atom, "producer", ok, reason, false)  to the bus actor on change
//   (deliver_atom, std::vector<uint64_t> seqs)  to the bus actor: these
//                                               publishes were delivered, or
//                                               given up for good (dropped
//                                               from a full buffer, refused);
//                                               the bus keeps every other one
//                                               for a restarted producer
namespace flux::bus {

struct kafka_producer_state : kafka_client_state {
  static inline const char* name = "kafka_producer";

  ~kafka_producer_state() override;
  // Flushes what it can (bounded), then destroys the librdkafka handle.
  void shut_down();

  rd_kafka_topic_s* rkt = nullptr;
  produce_buffer buffer;
  actor_counters counters;
  uint64_t received = 0;   // events published to us
  uint64_t produced = 0;   // handed to librdkafka
  uint64_t delivered = 0;  // acknowledged by the broker
  uint64_t delivery_failures = 0;
  uint64_t produce_errors = 0; // refused by librdkafka at once
  uint64_t dropped_logged = 0;
  std::vector<uint64_t> confirmed; // seqs to confirm to the bus
  std::vector<uint64_t> failed;    // failed deliveries, confirmed unless fatal
  int64_t last_delivery_ms = 0;
  std::string last_delivery_error;
};

// The producer's status reply: the common fields (of `self`), the topic,
// readiness, broker health, buffer and delivery figures.
void write_status(json::writer& w, const kafka_producer_state& st,
                  caf::scheduled_actor* self);

kafka_producer_actor::behavior_type kafka_producer(
  kafka_producer_actor::stateful_pointer<kafka_producer_state> self,
  kafka_options opts, kafka_bus_actor bus);

} // namespace flux::bus
