#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bus/kafka_admin.hpp"
#include "bus/kafka_config.hpp"
#include "core/json.hpp"

struct rd_kafka_conf_s;
struct rd_kafka_s;

// What the Kafka producer and consumer actors share: librdkafka's error,
// statistics and log callbacks, the broker health they derive from them, and
// the readiness both report to the bus actor. The callbacks only run inside
// the owning actor's own poll calls (on its own thread), so they update this
// state without locks.
namespace flux::bus {

struct kafka_client_state {
  std::string who;     // "producer" or "consumer"
  kafka_options opts;
  broker_health health;
  kafka_stats stats;
  std::string last_error;
  int64_t last_error_ms = 0;
  std::map<int, uint64_t> errors; // librdkafka error code -> count
  bool fatal = false;
  std::string fatal_reason;
  bool stopping = false;
  // Readiness as last reported to the bus actor.
  bool reported = false;
  bool reported_ok = false;
  std::string reported_reason;

  virtual ~kafka_client_state() = default;
};

// Installs error_cb, stats_cb and log_cb with `st` as the opaque, and
// statistics.interval.ms when the user did not set it.
void install_client_callbacks(rd_kafka_conf_s* conf, kafka_client_state* st);

// Readiness of a client: ok, or the reason it is not (prefixed "kafka:").
std::pair<bool, std::string> client_readiness(const kafka_client_state& st,
                                              const topic_creator& admin);

// The broker part of a status object: "broker", "broker_reason",
// "brokers": [...], "outages", "last_outage_ms", "last_error", "errors".
void write_broker_status(json::writer& w, const kafka_client_state& st);

// Marks the broker up when the statistics show a live connection.
void note_stats(kafka_client_state& st);

} // namespace flux::bus
