#include "bus/kafka_consumer.hpp"

#include <algorithm>

#include <librdkafka/rdkafka.h>

#include "bus/kafka_consumer_group.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

namespace {

using self_ptr = kafka_consumer_actor::stateful_pointer<kafka_consumer_state>;

constexpr int max_batch = 500; // records per tick before looking at messages

void check_flow(kafka_consumer_state& st) {
  auto n = st.unacked();
  auto limit = static_cast<int64_t>(st.opts.max_unacked);
  if (!st.paused && n > limit) {
    st.paused = true;
    ++st.pauses;
    pause_assignment(st, true);
    log::warn("kafka", "subscriber is behind; pausing consumption",
              {{"unacked", std::to_string(n)}});
  } else if (st.paused && n <= limit / 2) {
    st.paused = false;
    pause_assignment(st, false);
    log::info("kafka", "subscriber caught up; resuming consumption",
              {{"unacked", std::to_string(n)}});
  }
}

void try_subscribe(self_ptr self) {
  auto& st = self->state;
  if (st.subscribed || !st.subscriber || !st.admin->settled())
    return;
  if (st.cluster_id.empty()) {
    // Metadata came with the topic creation; this rarely waits.
    if (char* id = rd_kafka_clusterid(st.rk, 200)) {
      st.cluster_id = id;
      rd_kafka_mem_free(st.rk, id);
    } else {
      return; // next tick
    }
  }
  auto* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, st.opts.topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  auto err = rd_kafka_subscribe(st.rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    log::error("kafka", "cannot subscribe", {{"error", rd_kafka_err2str(err)}});
    return;
  }
  st.subscribed = true;
  log::info("kafka", "consumer subscribed",
            {{"topic", st.opts.topic}, {"group", st.opts.group},
             {"cluster_id", st.cluster_id},
             {"epoch_example", kafka_epoch(st.cluster_id, st.opts.topic, 0)}});
}

void handle_record(self_ptr self, rd_kafka_message_t* m) {
  auto& st = self->state;
  if (m->err) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
      return;
    ++st.consume_errors;
    if (note_error(st, m->err, rd_kafka_message_errstr(m)))
      log::warn("kafka", "consumer error", {{"error", st.last_error}});
    return;
  }
  auto now = now_ms();
  st.last_record_ms = now;
  note_broker_up(st, now);
  auto p = m->partition;
  auto& part = st.partitions[p];
  if (part.epoch.empty())
    part.epoch = kafka_epoch(st.cluster_id, st.opts.topic, p);
  if (part.first_offset < 0)
    part.first_offset = m->offset;
  part.next_offset = m->offset + 1;
  ++part.delivered;
  ++st.consumed;
  std::string value;
  if (m->payload)
    value.assign(static_cast<const char*>(m->payload), m->len);
  self->send(st.subscriber, atom::deliver_v, part.epoch, p,
             static_cast<int64_t>(m->offset), std::move(value));
}

// Attaches a subscriber; a new one (e.g. a restarted directory) starts over
// from the committed offsets so it gets everything it did not commit.
caf::result<int32_t> subscribe(self_ptr self, const std::string& topic,
                               const std::string& group,
                               const record_actor& subscriber) {
  auto& st = self->state;
  if (topic != st.opts.topic || group != st.opts.group)
    return caf::make_error(caf::sec::invalid_argument,
                           "kafka consumer is for topic " + st.opts.topic
                             + " and group " + st.opts.group);
  if (st.subscriber && st.subscriber != subscriber) {
    rd_kafka_unsubscribe(st.rk);
    st.subscribed = false;
    st.partitions.clear();
  }
  st.subscriber = subscriber;
  try_subscribe(self);
  auto n = st.admin->partitions();
  return n > 0 ? n : st.opts.partitions;
}

// Stores the subscriber's commit for the next auto-commit.
void store_commit(kafka_consumer_state& st, const std::string& topic,
                  int32_t partition, int64_t next_offset) {
  auto it = st.partitions.find(partition);
  if (topic != st.opts.topic || it == st.partitions.end()
      || !it->second.assigned) {
    ++st.stale_commits;
    return;
  }
  if (next_offset <= it->second.stored_offset)
    return;
  auto* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)
    ->offset = next_offset;
  auto err = rd_kafka_offsets_store(st.rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    ++st.stale_commits;
    return;
  }
  ++st.commits;
  it->second.stored_offset = next_offset;
  if (st.paused)
    check_flow(st);
}

void service(self_ptr self) {
  auto& st = self->state;
  st.admin->poll(now_ms());
  try_subscribe(self);
  auto timeout = st.subscribed
                   ? static_cast<int>(st.opts.poll_timeout.count())
                   : 0;
  int n = 0;
  auto* m = rd_kafka_consumer_poll(st.rk, timeout);
  while (m) {
    handle_record(self, m);
    rd_kafka_message_destroy(m);
    if (++n >= max_batch)
      break;
    m = rd_kafka_consumer_poll(st.rk, 0);
  }
  if (n > 0)
    check_flow(st);
  report_readiness(self, st);
  quit_if_fatal(self, st);
}

// Partition lag: records not yet committed (hi - committed); when nothing
// was committed yet, everything from the stored/next position. -1: unknown.
int64_t partition_lag(const consumer_partition& part,
                      const kafka_partition_stats& ps) {
  if (ps.hi_offset < 0)
    return -1;
  auto base = ps.committed_offset >= 0
                ? ps.committed_offset
                : std::max(part.stored_offset, int64_t{0});
  return std::max<int64_t>(0, ps.hi_offset - base);
}

// One assigned partition of the status; its lag, 0 when unknown.
int64_t write_partition(json::writer& w, int32_t p,
                        const consumer_partition& part,
                        const kafka_stats& stats) {
  int64_t lag = -1;
  w.start_object();
  w.kv("partition", p);
  w.kv("epoch", part.epoch);
  w.kv("position", part.next_offset);
  w.kv("stored_offset", part.stored_offset);
  w.kv("delivered", part.delivered);
  if (part.hydrate_until >= 0) { // re-read on assignment (hydration)
    w.kv("hydrate_from", part.hydrate_from);
    w.kv("hydrate_until", part.hydrate_until);
  }
  auto s = stats.partitions.find(p);
  if (s != stats.partitions.end()) {
    auto& ps = s->second;
    lag = partition_lag(part, ps);
    w.kv("committed_offset", ps.committed_offset);
    w.kv("high_watermark", ps.hi_offset);
    w.kv("lag", lag);
    w.kv("fetch_state", ps.fetch_state);
  }
  w.end_object();
  return std::max<int64_t>(lag, 0);
}

} // namespace

int64_t kafka_consumer_state::unacked() const {
  int64_t n = 0;
  for (auto& [p, part] : partitions) {
    if (!part.assigned || part.next_offset < 0)
      continue;
    auto base = std::max(part.stored_offset, part.first_offset);
    n += std::max<int64_t>(0, part.next_offset - base);
  }
  return n;
}

kafka_consumer_state::~kafka_consumer_state() {
  shut_down();
}

void kafka_consumer_state::shut_down() {
  if (!rk)
    return;
  stopping = true;
  admin.reset(); // its queue must go before the handle
  auto* handle = rk;
  rk = nullptr;
  bool graceful = subscribed && health.ok();
  leave_group(handle, graceful);
  log::info("kafka", "consumer stopped",
            {{"consumed", std::to_string(consumed)},
             {"left_group", graceful ? "yes" : "no (broker down)"}});
}

void write_status(json::writer& w, const kafka_consumer_state& st,
                  caf::scheduled_actor* self) {
  w.start_object();
  write_common_status(w, self, "kafka_consumer", "consumer", st.counters);
  w.kv("topic", st.opts.topic);
  w.kv("group", st.opts.group);
  w.kv("topic_state", st.admin->outcome());
  w.kv("subscribed", st.subscribed);
  auto [ok, reason] = client_readiness(st, *st.admin);
  w.kv("ready", ok);
  if (!ok)
    w.kv("not_ready_reason", reason);
  w.kv("cluster_id", st.cluster_id);
  write_broker_status(w, st);
  w.kv("group_state", st.stats.cgrp_state);
  w.kv("group_join_state", st.stats.cgrp_join_state);
  w.kv("rebalances", st.rebalances);
  w.kv("paused", st.paused);
  w.kv("pauses", st.pauses);
  w.kv("unacked", st.unacked());
  w.kv("consumed", st.consumed);
  w.kv("commits", st.commits);
  w.kv("stale_commits", st.stale_commits);
  w.kv("consume_errors", st.consume_errors);
  w.kv("last_record_ms", st.last_record_ms);
  int64_t total_lag = 0;
  w.key("partitions");
  w.start_array();
  for (auto& [p, part] : st.partitions)
    if (part.assigned)
      total_lag += write_partition(w, p, part, st.stats);
  w.end_array();
  w.kv("lag", total_lag);
  w.end_object();
}

kafka_consumer_actor::behavior_type
kafka_consumer(self_ptr self, kafka_options opts, kafka_bus_actor bus) {
  auto& st = self->state;
  client_setup setup;
  setup.who = "consumer";
  setup.consumer = true;
  setup.settings = {
    {"group.id", opts.group},
    // At-least-once: an offset is stored only when the subscriber says the
    // record reached its room; stored offsets are committed every second.
    {"enable.auto.offset.store", "false"},
    {"enable.auto.commit", "true"},
    {"auto.commit.interval.ms", "1000"},
    {"auto.offset.reset", "earliest"},
    // A gateway that died without leaving the group holds its partitions
    // until this passes: keep failover short (librdkafka's default: 45 s).
    {"session.timeout.ms", "10000"},
    {"heartbeat.interval.ms", "3000"},
    {"enable.partition.eof", "false"}};
  setup.install_callbacks = install_rebalance_cb;
  if (!start_client(self, st, setup, std::move(opts), std::move(bus)))
    return kafka_consumer_actor::behavior_type::make_empty_behavior();
  log::info("kafka", "consumer started",
            {{"brokers", st.opts.brokers}, {"topic", st.opts.topic},
             {"group", st.opts.group},
             {"client_id", st.opts.client_id + "-consumer"}});
  report_readiness(self, st);
  self->send(self, atom::tick_v);
  return {
    [self](atom::subscribe, const std::string& topic, const std::string& group,
           const record_actor& subscriber) -> caf::result<int32_t> {
      ++self->state.counters.handled;
      return subscribe(self, topic, group, subscriber);
    },
    [self](atom::commit, const std::string& topic, const std::string&,
           int32_t partition, int64_t next_offset) {
      ++self->state.counters.handled;
      store_commit(self->state, topic, partition, next_offset);
    },
    [self](atom::tick) {
      service(self);
      auto& st = self->state;
      if (st.subscribed)
        self->send(self, atom::tick_v); // the poll itself waited
      else
        self->delayed_send(self, std::chrono::milliseconds{50}, atom::tick_v);
    },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      json::writer w;
      write_status(w, self->state, self);
      return w.take();
    },
  };
}

} // namespace flux::bus
