#include "bus/kafka_client.hpp"

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"
#include "core/process.hpp"

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

void on_error(rd_kafka_t* rk, int code, const char* reason, void* opaque) {
  auto* st = static_cast<kafka_client_state*>(opaque);
  auto err = static_cast<rd_kafka_resp_err_t>(code);
  auto now = now_ms();
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    auto orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    st->fatal = true;
    st->fatal_reason = std::string{rd_kafka_err2name(orig)} + ": " + buf;
    log::error("kafka", "fatal librdkafka error; the client will be rebuilt",
               {{"client", st->who}, {"error", st->fatal_reason}});
    return;
  }
  auto first = st->errors[code]++ == 0;
  st->last_error = std::string{rd_kafka_err2name(err)} + ": " + reason;
  st->last_error_ms = now;
  if (st->stopping)
    return;
  if (connectivity_error(err)) {
    if (st->health.mark_down(now, reason))
      log::warn("kafka", "broker down; buffering and retrying",
                {{"client", st->who}, {"brokers", st->opts.brokers},
                 {"error", st->last_error}});
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

} // namespace

void install_client_callbacks(rd_kafka_conf_s* conf, kafka_client_state* st) {
  rd_kafka_conf_set_opaque(conf, st);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_stats_cb(conf, on_stats);
  rd_kafka_conf_set_log_cb(conf, on_log);
}

void note_stats(kafka_client_state& st) {
  auto now = now_ms();
  if (st.stats.any_broker_up()) {
    if (st.health.mark_up(now) && st.health.outages > 0)
      log::info("kafka", "broker reachable again",
                {{"client", st.who}, {"brokers", st.opts.brokers},
                 {"outage_ms", std::to_string(st.health.last_outage_ms)}});
    return;
  }
  // librdkafka does not always say "all brokers down" (e.g. when an idle
  // bootstrap connection is not counted); no live connection plus a recent
  // transport error says the same.
  if (st.health.st == broker_health::state::up && st.last_error_ms > 0
      && now - st.last_error_ms < 10000 && !st.stats.brokers.empty()) {
    if (st.health.mark_down(now, st.last_error))
      log::warn("kafka", "broker down; buffering and retrying",
                {{"client", st.who}, {"brokers", st.opts.brokers},
                 {"error", st.last_error}});
  }
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
