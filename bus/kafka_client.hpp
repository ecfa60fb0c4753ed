#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "bus/kafka_admin.hpp"
#include "bus/kafka_config.hpp"
#include "core/actors.hpp"
#include "core/json.hpp"

struct rd_kafka_conf_s;
struct rd_kafka_s;

// What the Kafka producer and consumer actors share: their librdkafka
// handle and its setup (the settings both use; error, statistics and log
// callbacks), the topic creator, the broker health derived from the
// callbacks, and the readiness both report to the bus actor. The callbacks
// only run inside the owning actor's own poll calls (on its own thread), so
// they update this state without locks.
namespace flux::bus {

struct kafka_client_state {
  std::string who;     // "producer" or "consumer"
  kafka_options opts;
  kafka_bus_actor bus;
  rd_kafka_s* rk = nullptr;
  std::unique_ptr<topic_creator> admin;
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

// What one kind of client adds to the shared handle setup.
struct client_setup {
  std::string who;       // "producer" or "consumer"
  bool consumer = false; // a consumer handle (else a producer)
  // librdkafka settings of this kind, applied before the shared ones
  // (statistics every second, short reconnect backoff, no topic
  // auto-creation) and the user's properties.
  std::vector<std::pair<std::string, std::string>> settings;
  // Installs this kind's own callbacks (delivery reports, rebalances).
  void (*install_callbacks)(rd_kafka_conf_s*) = nullptr;
};

// Starts a client actor's state: who, options, bus, then the librdkafka
// handle (with the shared callbacks, `st` as their opaque) and the topic
// creator. A consumer handle serves its callbacks from
// rd_kafka_consumer_poll(). When the handle cannot be created it logs, quits
// `self` and returns false.
bool start_client(caf::scheduled_actor* self, kafka_client_state& st,
                  const client_setup& setup, kafka_options opts,
                  kafka_bus_actor bus);

// Notes the client's readiness; true when it changed since last reported.
bool readiness_changed(kafka_client_state& st);

// Sends (health_atom, who, ok, reason, false) to the bus actor when the
// readiness changed.
template <class Self>
void report_readiness(Self* self, kafka_client_state& st) {
  if (readiness_changed(st))
    self->send(st.bus, atom::health_v, st.who, st.reported_ok,
               st.reported_reason, false);
}

// Ends `self` after a fatal librdkafka error; its supervisor rebuilds it.
void quit_if_fatal(caf::scheduled_actor* self,
                   const kafka_client_state& st);

// Readiness of a client: ok, or the reason it is not (prefixed "kafka:").
std::pair<bool, std::string> client_readiness(const kafka_client_state& st,
                                              const topic_creator& admin);

// The broker part of a status object: "brokers", "broker_state",
// "broker_up", "broker_reason", "outages", "broker_connections": [...],
// "last_error", "client_errors" and their times.
void write_broker_status(json::writer& w, const kafka_client_state& st);

// Marks the broker up when the statistics show a live connection.
void note_stats(kafka_client_state& st);

// Marks the broker up (a delivery, a record: it answered), logging the end
// of an outage.
void note_broker_up(kafka_client_state& st, int64_t now);

// Counts an error and keeps it as the last one ("NAME: text"); true the
// first time this code is seen.
bool note_error(kafka_client_state& st, int code, const std::string& text);

} // namespace flux::bus
