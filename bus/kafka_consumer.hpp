#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/all.hpp>

#include "bus/kafka_client.hpp"
#include "core/actor_stats.hpp"

// The Kafka consumer: a detached actor (its own thread; never a scheduler
// worker) around a librdkafka consumer in the configured consumer group.
// Once a subscriber (the room directory) is attached it subscribes to the
// topic and delivers every record as (deliver, epoch, partition, offset,
// value), the same contract as the embedded bus. Offsets are stored only
// when the subscriber commits them (enable.auto.offset.store=false; the
// stored offsets are auto-committed), so a record is committed only after
// it reached its room: at-least-once; rooms drop the duplicates.
//
// The epoch of a partition is kafka_epoch(cluster id, topic, partition)
// (bus/kafka_config.hpp): the same on every gateway node and across
// restarts, so a client can resume by position on any node.
//
// It pauses its partitions when the subscriber falls more than
// `max_unacked` records behind, creates the topic when missing, follows
// rebalances (eager and cooperative; bus/kafka_consumer_group.hpp), and
// reports its readiness to the bus actor.
//
// Messages (kafka_consumer_actor in core/actors.hpp):
//   (subscribe_atom, topic, group, subscriber) -> int32 partitions
//   (commit_atom, topic, group, partition, next_offset)
//   (tick_atom)                                   internal: poll librdkafka
//   (status_atom) -> std::string JSON
// Sends:
//   (deliver_atom, epoch, partition, offset, value)  to the subscriber
//   (health_atom, "consumer", ok, reason, false)     to the bus actor
namespace flux::bus {

struct consumer_partition {
  bool assigned = false;
  std::string epoch;
  int64_t first_offset = -1; // first delivered since the assignment
  int64_t next_offset = -1;  // after the last delivered record
  int64_t stored_offset = -1; // the subscriber's last commit (next offset)
  int64_t hydrate_from = -1;  // re-read from here on assignment …
  int64_t hydrate_until = -1; // … up to the group's committed offset
  uint64_t delivered = 0;
};

struct kafka_consumer_state : kafka_client_state {
  static inline const char* name = "kafka_consumer";

  ~kafka_consumer_state() override;
  // Leaves the group (committing stored offsets) within a bounded time,
  // then destroys the librdkafka handle.
  void shut_down();

  record_actor subscriber;
  bool subscribed = false; // rd_kafka_subscribe done
  std::string cluster_id;
  std::map<int32_t, consumer_partition> partitions;
  bool paused = false;
  actor_counters counters;
  uint64_t consumed = 0;
  uint64_t commits = 0;       // offsets stored on the subscriber's word
  uint64_t stale_commits = 0; // for partitions no longer assigned
  uint64_t consume_errors = 0;
  uint64_t rebalances = 0;
  uint64_t pauses = 0;
  int64_t last_record_ms = 0;

  // Records delivered to the subscriber and not yet committed by it.
  int64_t unacked() const;
};

// The consumer's status reply: the common fields (of `self`), the topic and
// group, readiness, broker health, flow control and, per assigned
// partition, positions and lag.
void write_status(json::writer& w, const kafka_consumer_state& st,
                  caf::scheduled_actor* self);

kafka_consumer_actor::behavior_type kafka_consumer(
  kafka_consumer_actor::stateful_pointer<kafka_consumer_state> self,
  kafka_options opts, kafka_bus_actor bus);

} // namespace flux::bus
