#pragma once

#include <cstdint>
#include <string>

#include "bus/kafka_config.hpp"

struct rd_kafka_s;
struct rd_kafka_queue_s;

// Creates the event topic when it is missing, without ever blocking the
// caller for long: CreateTopics goes out asynchronously and its result is
// picked up by poll(). Used by the producer and the consumer on start (each
// on its own thread). Transient failures (broker down, timeouts) are retried
// quickly; a refusal (authorization, policy, bad replication factor) is
// reported with a clear reason and retried slowly, in case an operator fixes
// it.
namespace flux::bus {

class topic_creator {
public:
  enum class state { idle, pending, waiting, ready };

  topic_creator() = default;
  topic_creator(const topic_creator&) = delete;
  topic_creator& operator=(const topic_creator&) = delete;
  ~topic_creator();

  // Binds to a client handle (producer or consumer) and sends the first
  // request.
  void start(rd_kafka_s* rk, const kafka_options& opts, int64_t now);

  // Picks up a result if one arrived and resends when a retry is due.
  // Never blocks for long (a refusal costs one metadata lookup).
  state poll(int64_t now);

  state current() const { return st_; }
  bool ready() const { return st_ == state::ready; }
  // Ready, and the metadata lists the topic (or we stopped asking): safe
  // to subscribe without an "unknown topic" error.
  bool settled() const {
    return ready() && (partitions_ > 0 || lookups_ >= 10);
  }
  // Set while the broker refuses to create the topic: "kafka: cannot
  // create topic 'x' with 4 partitions: ...". Empty otherwise.
  const std::string& refusal() const { return refusal_; }
  // What happened: "created", "exists", or the last error.
  const std::string& outcome() const { return outcome_; }
  // The topic's partition count as the broker reports it (-1: unknown).
  int32_t partitions() const { return partitions_; }
  uint32_t attempts() const { return attempts_; }

private:
  void send_request(int64_t now);
  void lookup_partitions(int timeout_ms);
  void retry_later(int64_t now, int64_t delay_ms);
  // What poll() does with a CreateTopics result: created (or it exists), a
  // transient failure, or a refusal ("NAME: message").
  void on_success(int64_t now, bool created);
  void on_transient_failure(int64_t now, const std::string& error);
  void on_refusal(int64_t now, const std::string& error);
  void warn_partition_mismatch() const;

  rd_kafka_s* rk_ = nullptr;
  rd_kafka_queue_s* queue_ = nullptr;
  kafka_options opts_;
  state st_ = state::idle;
  int64_t retry_at_ = 0;
  uint32_t attempts_ = 0;
  uint32_t transient_failures_ = 0;
  uint32_t lookups_ = 0;
  std::string refusal_;
  std::string outcome_;
  int32_t partitions_ = -1;
};

} // namespace flux::bus
