#include "bus/kafka_consumer.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

namespace {

using self_ptr = caf::stateful_actor<kafka_consumer_state>*;

constexpr int max_batch = 500; // records per tick before looking at messages

struct close_sync {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  bool closed = false;
};

kafka_consumer_state* state_of(void* opaque) {
  return static_cast<kafka_consumer_state*>(
    static_cast<kafka_client_state*>(opaque));
}

std::string partition_names(const rd_kafka_topic_partition_list_t* parts) {
  std::string out;
  for (int i = 0; parts && i < parts->cnt; ++i) {
    if (!out.empty())
      out += ',';
    out += std::to_string(parts->elems[i].partition);
  }
  return out;
}

bool cooperative(rd_kafka_t* rk) {
  auto* proto = rd_kafka_rebalance_protocol(rk);
  return proto && std::strcmp(proto, "COOPERATIVE") == 0;
}

void pause_all(kafka_consumer_state& st, bool pause) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(st.rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR
      || !parts)
    return;
  if (pause)
    rd_kafka_pause_partitions(st.rk, parts);
  else
    rd_kafka_resume_partitions(st.rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
}

// Starts each newly assigned partition `hydrate_records` before the group's
// committed offset (see kafka_options). Offsets below the broker's low
// watermark reset to the earliest kept (auto.offset.reset=earliest).
void rewind_for_hydration(kafka_consumer_state& st, rd_kafka_t* rk,
                          rd_kafka_topic_partition_list_t* parts) {
  if (st.opts.hydrate_records <= 0 || parts->cnt == 0)
    return;
  auto* committed = rd_kafka_topic_partition_list_copy(parts);
  auto err = rd_kafka_committed(rk, committed, 5000);
  if (err) {
    log::warn("kafka", "cannot read committed offsets; not hydrating",
              {{"error", rd_kafka_err2str(err)}});
    rd_kafka_topic_partition_list_destroy(committed);
    return;
  }
  for (int i = 0; i < committed->cnt; ++i) {
    auto& c = committed->elems[i];
    if (c.err || c.offset < 0)
      continue; // nothing committed yet: auto.offset.reset decides
    auto start = std::max<int64_t>(0, c.offset - st.opts.hydrate_records);
    for (int j = 0; j < parts->cnt; ++j)
      if (parts->elems[j].partition == c.partition)
        parts->elems[j].offset = start;
    auto& part = st.partitions[c.partition];
    // Commits for the re-read records must not move the group back.
    part.stored_offset = std::max(part.stored_offset, c.offset);
    part.hydrate_from = start;
    part.hydrate_until = c.offset;
  }
  rd_kafka_topic_partition_list_destroy(committed);
}

void assign(kafka_consumer_state& st, rd_kafka_t* rk,
            rd_kafka_topic_partition_list_t* parts) {
  rewind_for_hydration(st, rk, parts);
  if (cooperative(rk)) {
    if (auto* e = rd_kafka_incremental_assign(rk, parts)) {
      log::error("kafka", "incremental assign failed",
                 {{"error", rd_kafka_error_string(e)}});
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk, parts);
  }
  for (int i = 0; i < parts->cnt; ++i) {
    auto p = parts->elems[i].partition;
    auto& part = st.partitions[p];
    part.assigned = true;
    part.first_offset = -1;
    part.next_offset = -1;
    part.epoch = kafka_epoch(st.cluster_id, st.opts.topic, p);
  }
  if (st.paused)
    rd_kafka_pause_partitions(rk, parts);
}

void revoke(kafka_consumer_state& st, rd_kafka_t* rk,
            rd_kafka_topic_partition_list_t* parts, bool lost) {
  for (int i = 0; parts && i < parts->cnt; ++i) {
    auto it = st.partitions.find(parts->elems[i].partition);
    if (it != st.partitions.end())
      it->second.assigned = false;
  }
  if (cooperative(rk)) {
    if (auto* e = rd_kafka_incremental_unassign(rk, parts))
      rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
    for (auto& [p, part] : st.partitions)
      part.assigned = false;
  }
  if (lost)
    log::warn("kafka", "partitions lost (the group moved on without us)",
              {{"partitions", partition_names(parts)}});
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto& st = *state_of(opaque);
  ++st.rebalances;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    assign(st, rk, parts);
    log::info("kafka", "partitions assigned",
              {{"topic", st.opts.topic}, {"group", st.opts.group},
               {"partitions", partition_names(parts)}});
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    bool lost = rd_kafka_assignment_lost(rk) != 0;
    revoke(st, rk, parts, lost);
    log::info("kafka", "partitions revoked",
              {{"topic", st.opts.topic}, {"group", st.opts.group},
               {"partitions", partition_names(parts)}});
  } else {
    log::warn("kafka", "rebalance error", {{"error", rd_kafka_err2str(err)}});
    revoke(st, rk, parts, false);
  }
}

// Sends a readiness change to the bus actor.
void report(self_ptr self) {
  auto& st = self->state;
  if (!st.admin)
    return;
  auto [ok, reason] = client_readiness(st, *st.admin);
  if (st.reported && ok == st.reported_ok && reason == st.reported_reason)
    return;
  st.reported = true;
  st.reported_ok = ok;
  st.reported_reason = reason;
  self->send(st.bus, atom::ready_v, std::string{"consumer"}, ok, reason);
}

void check_flow(kafka_consumer_state& st) {
  auto n = st.unacked();
  auto limit = static_cast<int64_t>(st.opts.max_unacked);
  if (!st.paused && n > limit) {
    st.paused = true;
    ++st.pauses;
    pause_all(st, true);
    log::warn("kafka", "subscriber is behind; pausing consumption",
              {{"unacked", std::to_string(n)}});
  } else if (st.paused && n <= limit / 2) {
    st.paused = false;
    pause_all(st, false);
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
    auto first = st.errors[m->err]++ == 0;
    st.last_error = std::string{rd_kafka_err2name(m->err)} + ": "
                    + rd_kafka_message_errstr(m);
    st.last_error_ms = now_ms();
    if (first)
      log::warn("kafka", "consumer error", {{"error", st.last_error}});
    return;
  }
  auto now = now_ms();
  st.last_record_ms = now;
  if (st.health.mark_up(now) && st.health.outages > 0)
    log::info("kafka", "broker reachable again",
              {{"client", st.who}, {"brokers", st.opts.brokers},
               {"outage_ms", std::to_string(st.health.last_outage_ms)}});
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
  report(self);
  if (st.fatal)
    self->quit(caf::make_error(caf::sec::runtime_error,
                               "kafka consumer: " + st.fatal_reason));
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
  // Leaving the group (and committing the stored offsets) needs the broker;
  // without it librdkafka may wait up to session.timeout.ms. So: a graceful
  // close only while the broker is up, and the whole close + destroy on a
  // helper thread we wait for at most a few seconds. Nothing there touches
  // this state (callbacks only run inside our own poll calls).
  auto* handle = rk;
  rk = nullptr;
  bool graceful = subscribed && health.ok();
  auto sync = std::make_shared<close_sync>();
  std::thread closer{[handle, graceful, sync] {
    bool closed = false;
    if (graceful) {
      auto* q = rd_kafka_queue_new(handle);
      if (auto* e = rd_kafka_consumer_close_queue(handle, q)) {
        rd_kafka_error_destroy(e);
      } else {
        auto deadline = now_ms() + 3000;
        while (!rd_kafka_consumer_closed(handle) && now_ms() < deadline) {
          auto* ev = rd_kafka_queue_poll(q, 50);
          if (!ev)
            continue;
          if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
            auto* parts = rd_kafka_event_topic_partition_list(ev);
            bool coop = cooperative(handle);
            if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
              if (coop) {
                if (auto* e = rd_kafka_incremental_assign(handle, parts))
                  rd_kafka_error_destroy(e);
              } else {
                rd_kafka_assign(handle, parts);
              }
            } else if (coop) {
              if (auto* e = rd_kafka_incremental_unassign(handle, parts))
                rd_kafka_error_destroy(e);
            } else {
              rd_kafka_assign(handle, nullptr);
            }
          }
          rd_kafka_event_destroy(ev);
        }
        closed = rd_kafka_consumer_closed(handle) != 0;
      }
      rd_kafka_queue_destroy(q);
    }
    rd_kafka_destroy_flags(handle,
                           closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    std::lock_guard<std::mutex> guard{sync->mtx};
    sync->done = true;
    sync->closed = closed;
    sync->cv.notify_all();
  }};
  std::unique_lock<std::mutex> lock{sync->mtx};
  if (sync->cv.wait_for(lock, std::chrono::seconds{5},
                        [&] { return sync->done; })) {
    lock.unlock();
    closer.join();
    if (graceful && !sync->closed)
      log::warn("kafka", "consumer did not leave the group in time");
  } else {
    lock.unlock();
    closer.detach(); // the process may end before librdkafka is done
    log::warn("kafka", "librdkafka still closing the consumer; not waiting");
  }
  log::info("kafka", "consumer stopped",
            {{"consumed", std::to_string(consumed)},
             {"left_group", graceful ? "yes" : "no (broker down)"}});
}

caf::behavior kafka_consumer(self_ptr self, kafka_options opts,
                             caf::actor bus) {
  auto& st = self->state;
  st.who = "consumer";
  st.opts = std::move(opts);
  st.bus = std::move(bus);
  st.health.since_ms = now_ms();
  std::string err;
  auto* conf = make_kafka_conf(
    st.opts, "-consumer",
    {{"group.id", st.opts.group},
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
     {"enable.partition.eof", "false"},
     {"statistics.interval.ms", "1000"},
     {"reconnect.backoff.ms", "100"},
     {"reconnect.backoff.max.ms", "1000"},
     {"topic.metadata.refresh.interval.ms", "10000"},
     {"allow.auto.create.topics", "false"}},
    err);
  char errstr[512];
  if (conf) {
    install_client_callbacks(conf, &st);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    st.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!st.rk) {
      err = errstr;
      rd_kafka_conf_destroy(conf);
    }
  }
  if (!st.rk) {
    log::error("kafka", "cannot create the consumer", {{"error", err}});
    self->quit(caf::make_error(caf::sec::invalid_argument,
                               "kafka consumer: " + err));
    return {};
  }
  // Callbacks and records all come out of rd_kafka_consumer_poll().
  rd_kafka_poll_set_consumer(st.rk);
  st.admin = std::make_unique<topic_creator>();
  st.admin->start(st.rk, st.opts, now_ms());
  log::info("kafka", "consumer started",
            {{"brokers", st.opts.brokers}, {"topic", st.opts.topic},
             {"group", st.opts.group},
             {"client_id", st.opts.client_id + "-consumer"}});
  report(self);
  self->send(self, atom::tick_v);
  return {
    [self](atom::subscribe, const std::string& topic, const std::string& group,
           const caf::actor& subscriber) -> caf::result<int32_t> {
      auto& st = self->state;
      ++st.counters.handled;
      if (topic != st.opts.topic || group != st.opts.group)
        return caf::make_error(caf::sec::invalid_argument,
                               "kafka consumer is for topic " + st.opts.topic
                                 + " and group " + st.opts.group);
      if (st.subscriber && st.subscriber != subscriber) {
        // A new subscriber (e.g. a restarted directory): start over from
        // the committed offsets so it gets everything it did not commit.
        rd_kafka_unsubscribe(st.rk);
        st.subscribed = false;
        st.partitions.clear();
      }
      st.subscriber = subscriber;
      try_subscribe(self);
      auto n = st.admin->partitions();
      return n > 0 ? n : st.opts.partitions;
    },
    [self](atom::commit, const std::string& topic, const std::string&,
           int32_t partition, int64_t next_offset) {
      auto& st = self->state;
      ++st.counters.handled;
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
      auto& st = self->state;
      ++st.counters.handled;
      json::writer w;
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
      for (auto& [p, part] : st.partitions) {
        if (!part.assigned)
          continue;
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
        auto s = st.stats.partitions.find(p);
        if (s != st.stats.partitions.end()) {
          auto& ps = s->second;
          w.kv("committed_offset", ps.committed_offset);
          w.kv("high_watermark", ps.hi_offset);
          // Lag: records not yet committed (hi - committed); when nothing
          // was committed yet, everything from the stored/next position.
          int64_t lag = -1;
          if (ps.hi_offset >= 0) {
            auto base = ps.committed_offset >= 0
                          ? ps.committed_offset
                          : std::max(part.stored_offset, int64_t{0});
            lag = std::max<int64_t>(0, ps.hi_offset - base);
            total_lag += lag;
          }
          w.kv("lag", lag);
          w.kv("fetch_state", ps.fetch_state);
        }
        w.end_object();
      }
      w.end_array();
      w.kv("lag", total_lag);
      w.end_object();
      return w.take();
    },
  };
}

} // namespace flux::bus
