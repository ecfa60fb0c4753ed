#include "bus/kafka_client.hpp"

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

namespace {

// Errors that mean "we cannot talk to the cluster" rather than a problem
// with one request.
bool connectivity_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
         || err == RD_KAFKA_RESP_ERR__AUTHENTICATION
         || err == RD_KAFKA_RESP_ERR__SSL
         || err == RD_KAFKA_RESP_ERR__RESOLVE;
}

void note_broker_down(kafka_client_state& st, int64_t now,
                      const std::string& why) {
  if (st.health.mark_down(now, why))
    log::warn("kafka", "broker down; buffering and retrying",
              {{"client", st.who}, {"brokers", st.opts.brokers},
               {"error", st.last_error}});
}

void on_error(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
  auto* st = static_cast<kafka_client_state*>(opaque);
  auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    auto orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    st->fatal = true;
    st->fatal_reason = std::string{rd_kafka_err2name(orig)} + ": " + buf;
    log::error("kafka", "fatal librdkafka error; the client will be rebuilt",
               {{"client", st->who}, {"error", st->fatal_reason}});
    return;
  }
  auto first = note_error(*st, code, reason);
  if (st->stopping)
    return;
  if (connectivity_error(err)) {
    note_broker_down(*st, st->last_error_ms, reason);
    return;
  }
  if (first || log::enabled(log::level::debug))
    log::write(first ? log::level::warn : log::level::debug, "kafka",
               "librdkafka error",
               {{"client", st->who}, {"error", st->last_error}});
}

int on_stats(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* st = static_cast<kafka_client_state*>(opaque);
  kafka_stats parsed;
  if (parse_kafka_stats(json, len, st->opts.topic, parsed)) {
    st->stats = std::move(parsed);
    if (!st->stopping)
      note_stats(*st);
  }
  return 0; // librdkafka frees `json`
}

void on_log(const rd_kafka_t* rk, int level, const char* fac,
            const char* buf) {
  // librdkafka's own lines are chatty (every reconnect attempt); the error
  // callback reports what matters, so they only show at debug level.
  if (!log::enabled(log::level::debug))
    return;
  log::debug("librdkafka", buf,
             {{"facility", fac}, {"client", rd_kafka_name(rk)},
              {"syslog_level", std::to_string(level)}});
}

// The settings both clients use after their own.
const std::vector<std::pair<std::string, std::string>> shared_settings = {
  {"statistics.interval.ms", "1000"},
  {"reconnect.backoff.ms", "100"},
  {"reconnect.backoff.max.ms", "1000"},
  {"topic.metadata.refresh.interval.ms", "10000"},
  // The topic is created by us, with the configured partitions; a
  // metadata request must not create it with the broker's defaults.
  {"allow.auto.create.topics", "false"}};

// The handle, or nullptr with `err` set.
rd_kafka_t* create_handle(kafka_client_state& st, const client_setup& setup,
                          std::string& err) {
  auto settings = setup.settings;
  settings.insert(settings.end(), shared_settings.begin(),
                  shared_settings.end());
  auto* conf = make_kafka_conf(st.opts, "-" + setup.who, settings, err);
  if (!conf)
    return nullptr;
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_stats_cb(conf, on_stats);
  rd_kafka_conf_set_log_cb(conf, on_log);
  if (setup.install_callbacks)
    setup.install_callbacks(conf);
  char errstr[512];
  auto* rk = rd_kafka_new(setup.consumer ? RD_KAFKA_CONSUMER
                                         : RD_KAFKA_PRODUCER,
                          conf, errstr, sizeof(errstr));
  if (!rk) {
    err = errstr;
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

} // namespace

bool start_client(caf::scheduled_actor* self, kafka_client_state& st,
                  const client_setup& setup, kafka_options opts,
                  kafka_bus_actor bus) {
  st.who = setup.who;
  st.opts = std::move(opts);
  st.bus = std::move(bus);
  st.health.since_ms = now_ms();
  std::string err;
  st.rk = create_handle(st, setup, err);
  if (!st.rk) {
    log::error("kafka", "cannot create the " + st.who, {{"error", err}});
    self->quit(caf::make_error(caf::sec::invalid_argument,
                               "kafka " + st.who + ": " + err));
    return false;
  }
  if (setup.consumer)
    rd_kafka_poll_set_consumer(st.rk);
  st.admin = std::make_unique<topic_creator>();
  st.admin->start(st.rk, st.opts, now_ms());
  return true;
}

bool readiness_changed(kafka_client_state& st) {
  if (!st.admin)
    return false;
  auto [ok, reason] = client_readiness(st, *st.admin);
  if (st.reported && ok == st.reported_ok && reason == st.reported_reason)
    return false;
  st.reported = true;
  st.reported_ok = ok;
  st.reported_reason = reason;
  return true;
}

void quit_if_fatal(caf::scheduled_actor* self,
                   const kafka_client_state& st) {
  if (st.fatal)
    self->quit(caf::make_error(caf::sec::runtime_error,
                               "kafka " + st.who + ": " + st.fatal_reason));
}

void note_broker_up(kafka_client_state& st, int64_t now) {
  if (st.health.mark_up(now) && st.health.outages > 0)
    log::info("kafka", "broker reachable again",
              {{"client", st.who}, {"brokers", st.opts.brokers},
               {"outage_ms", std::to_string(st.health.last_outage_ms)}});
}

bool note_error(kafka_client_state& st, int code, const std::string& text) {
  auto first = st.errors[code]++ == 0;
  st.last_error = std::string{rd_kafka_err2name(
                    static_cast<rd_kafka_resp_err_t>(code))}
                  + ": " + text;
  st.last_error_ms = now_ms();
  return first;
}

void note_stats(kafka_client_state& st) {
  auto now = now_ms();
  if (st.stats.any_broker_up()) {
    note_broker_up(st, now);
    return;
  }
  // librdkafka does not always say "all brokers down" (e.g. when an idle
  // bootstrap connection is not counted); no live connection plus a recent
  // transport error says the same.
  if (st.health.st == broker_health::state::up && st.last_error_ms > 0
      && now - st.last_error_ms < 10000 && !st.stats.brokers.empty())
    note_broker_down(st, now, st.last_error);
}
std::pair<bool, std::string> client_readiness(const kafka_client_state& st,
                                              const topic_creator& admin) {
  using state = broker_health::state;
  if (st.fatal)
    return {false, "kafka: " + st.who + " failed: " + st.fatal_reason};
  if (st.health.st == state::down)
    return {false, "kafka: broker down: " + st.health.reason + " ("
                     + st.who + ", brokers " + st.opts.brokers + ")"};
  if (!admin.refusal().empty())
    return {false, admin.refusal()};
  if (st.health.st == state::connecting)
    return {false, "kafka: connecting to " + st.opts.brokers + " (" + st.who
                     + ")"};
  if (!admin.ready())
    return {false, "kafka: waiting for topic '" + st.opts.topic + "' ("
                     + st.who + ")"};
  return {true, ""};
}

void write_broker_status(json::writer& w, const kafka_client_state& st) {
  w.kv("brokers", st.opts.brokers);
  w.kv("broker_state", st.health.name());
  w.kv("broker_up", st.health.ok()); // a number on /metrics
  if (!st.health.reason.empty())
    w.kv("broker_reason", st.health.reason);
  w.kv("broker_state_since_ms", st.health.since_ms);
  w.kv("outages", st.health.outages);
  w.kv("last_outage_ms", st.health.last_outage_ms);
  w.key("broker_connections");
  w.start_array();
  for (auto& b : st.stats.brokers) {
    w.start_object();
    w.kv("name", b.name);
    w.kv("nodeid", b.nodeid);
    w.kv("state", b.state);
    w.kv("rtt_avg_us", b.rtt_avg_us);
    w.end_object();
  }
  w.end_array();
  if (!st.last_error.empty()) {
    w.kv("last_error", st.last_error);
    w.kv("last_error_ms", st.last_error_ms);
  }
  uint64_t total = 0;
  for (auto& [code, n] : st.errors)
    total += n;
  w.kv("client_errors", total);
}

} // namespace flux::bus
