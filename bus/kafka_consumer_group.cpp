#include "bus/kafka_consumer_group.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"
#include "core/process.hpp"

namespace flux::bus {

namespace {

struct close_sync {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  bool closed = false;
};

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

// Adds `parts` to the assignment, or removes them, by the group's protocol
// (an eager assignment is replaced as a whole). The error of an incremental
// change, or "".
std::string change_assignment(rd_kafka_t* rk,
                              rd_kafka_topic_partition_list_t* parts,
                              bool add) {
  if (!cooperative(rk)) {
    rd_kafka_assign(rk, add ? parts : nullptr);
    return {};
  }
  auto* e = add ? rd_kafka_incremental_assign(rk, parts)
                : rd_kafka_incremental_unassign(rk, parts);
  if (!e)
    return {};
  std::string why = rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return why;
}

// Starts each newly assigned partition `hydrate_records` before the group's
// committed offset. Offsets below the broker's low watermark reset to the
// earliest kept (auto.offset.reset=earliest).
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
  auto failure = change_assignment(rk, parts, true);
  if (!failure.empty())
    log::error("kafka", "incremental assign failed", {{"error", failure}});
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
  change_assignment(rk, parts, false);
  if (!cooperative(rk)) // the whole assignment went
    for (auto& [p, part] : st.partitions)
      part.assigned = false;
  if (lost)
    log::warn("kafka", "partitions lost (the group moved on without us)",
              {{"partitions", partition_names(parts)}});
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto& st = *static_cast<kafka_consumer_state*>(
    static_cast<kafka_client_state*>(opaque));
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

// Closes the consumer through a queue of its own, serving the rebalances of
// leaving; true when it closed within the time allowed.
bool close_consumer(rd_kafka_t* handle) {
  bool closed = false;
  auto* q = rd_kafka_queue_new(handle);
  if (auto* e = rd_kafka_consumer_close_queue(handle, q)) {
    rd_kafka_error_destroy(e);
  } else {
    auto deadline = now_ms() + 3000;
    while (!rd_kafka_consumer_closed(handle) && now_ms() < deadline) {
      auto* ev = rd_kafka_queue_poll(q, 50);
      if (!ev)
        continue;
      if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
        change_assignment(handle, rd_kafka_event_topic_partition_list(ev),
                          rd_kafka_event_error(ev)
                            == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS);
      rd_kafka_event_destroy(ev);
    }
    closed = rd_kafka_consumer_closed(handle) != 0;
  }
  rd_kafka_queue_destroy(q);
  return closed;
}

} // namespace

void install_rebalance_cb(rd_kafka_conf_s* conf) {
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
}

void pause_assignment(kafka_consumer_state& st, bool pause) {
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

void leave_group(rd_kafka_s* handle, bool graceful) {
  auto sync = std::make_shared<close_sync>();
  std::thread closer{[handle, graceful, sync] {
    bool closed = graceful && close_consumer(handle);
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
}

} // namespace flux::bus
