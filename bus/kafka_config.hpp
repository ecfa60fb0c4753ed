#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_conf_s;

// Settings and helpers shared by the Kafka producer, consumer and admin code
// (see docs/kafka.md). Nothing here talks to a broker.
namespace flux::bus {

struct kafka_options {
  std::string brokers = "127.0.0.1:9092"; // bootstrap.servers
  std::string topic = "flux.events";
  int32_t partitions = 4;          // used when the topic is created
  int16_t replication_factor = -1; // -1: the broker's default
  std::string group = "flux-gateway";
  std::string client_id = "flux";
  // "key=value" librdkafka properties applied last (security settings,
  // tuning); they override Flux's defaults.
  std::vector<std::string> properties;
  // Producer: events kept locally while they cannot be handed to
  // librdkafka (broker down, topic not yet created); past it the oldest
  // snapshot events are dropped first.
  size_t buffer_events = 10000;
  // Producer: messages handed to librdkafka and not yet acknowledged, at
  // most (librdkafka retries them by itself; the rest waits in the buffer).
  size_t max_in_flight = 2000;
  // Consumer: records delivered to the subscriber but not yet committed by
  // it, at most; past it the consumer pauses its partitions.
  size_t max_unacked = 20000;
  // Consumer: on each assignment, start this many records before the
  // group's committed offset of the partition (bounded by what the broker
  // keeps), so that the rooms of a node that (re)started, or took over a
  // partition, get their latest snapshots and recent history back instead
  // of staying blank until the next event. Rooms drop what they already
  // applied; commits never move back. 0: start at the committed offset.
  int64_t hydrate_records = 1000;
  // How long the consumer thread blocks in one poll.
  std::chrono::milliseconds poll_timeout{50};
  // Producer: how often librdkafka is polled for delivery reports.
  std::chrono::milliseconds poll_interval{20};
};

// Splits "key=value"; false when there is no '=' or the key is empty.
bool split_property(const std::string& kv, std::string& key,
                    std::string& value);

// One readable message per property librdkafka rejects (unknown key, bad
// value, missing '=').
std::vector<std::string>
check_kafka_properties(const std::vector<std::string>& properties);

// A librdkafka configuration: bootstrap.servers and client.id from the
// options, then `defaults`, then the user's properties. nullptr and `err`
// set on failure. The caller owns the result.
rd_kafka_conf_s*
make_kafka_conf(const kafka_options& opts, const std::string& client_suffix,
                const std::vector<std::pair<std::string, std::string>>& defaults,
                std::string& err);

// The epoch of a partition's positions: "k" + 8 hex digits of a hash of the
// cluster id and the topic + "-" + the partition, e.g. "k3fa9c01b-2".
// Identical on every gateway node and across restarts; it changes when the
// cluster (a wiped broker) or the topic or the room's partition changes,
// i.e. exactly when offsets stop being comparable.
std::string kafka_epoch(const std::string& cluster_id,
                        const std::string& topic, int32_t partition);

// What a librdkafka statistics callback tells us (statistics.interval.ms).
struct kafka_broker_stats {
  std::string name;
  int32_t nodeid = -1;
  std::string state; // INIT, DOWN, CONNECT, UP, ...
  int64_t rtt_avg_us = 0;
};

struct kafka_partition_stats {
  int64_t hi_offset = -1;        // high watermark
  int64_t ls_offset = -1;        // last stable offset
  int64_t committed_offset = -1; // -1001: none
  int64_t stored_offset = -1;
  int64_t consumer_lag = -1;     // hi - committed (-1: unknown)
  std::string fetch_state;
  int64_t msgq_cnt = 0;          // producer: messages queued for it
};

struct kafka_stats {
  bool valid = false;
  int64_t ts_ms = 0;               // when we got it
  std::vector<kafka_broker_stats> brokers;
  std::map<int32_t, kafka_partition_stats> partitions; // of our topic
  int64_t msg_cnt = 0;             // producer: messages in queues
  int64_t tx_errs = 0;
  std::string cgrp_state;          // consumer group state
  std::string cgrp_join_state;
  int64_t rebalance_cnt = 0;

  // At least one real broker (nodeid >= 0) connection is UP.
  bool any_broker_up() const;
};

// Parses librdkafka's statistics JSON, keeping the figures of `topic`.
bool parse_kafka_stats(const char* json, size_t size, const std::string& topic,
                       kafka_stats& out);

// The health of a client's broker connections as Flux reports it.
struct broker_health {
  enum class state { connecting, up, down };
  state st = state::connecting;
  std::string reason;    // why down (librdkafka's words)
  int64_t since_ms = 0;  // of the current state
  uint64_t outages = 0;  // transitions to down
  int64_t last_outage_ms = 0; // duration of the last completed outage

  // Each returns true when the state changed.
  bool mark_up(int64_t now);
  bool mark_down(int64_t now, std::string why);

  const char* name() const;
  bool ok() const { return st == state::up; }
};

} // namespace flux::bus
