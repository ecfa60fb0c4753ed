#include "bus/kafka_admin.hpp"

#include <algorithm>

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"

namespace flux::bus {

namespace {

// Errors that say "try again": the broker is away or busy, not refusing.
bool transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
      return true;
    default:
      return false;
  }
}

// The error of a CreateTopics result (of the request, or else of our one
// topic), with its message in `errstr`.
rd_kafka_resp_err_t result_error(rd_kafka_event_t* ev, std::string& errstr) {
  auto err = rd_kafka_event_error(ev);
  if (err) {
    errstr = rd_kafka_event_error_string(ev);
    return err;
  }
  const rd_kafka_topic_result_t* tres = nullptr;
  if (auto* res = rd_kafka_event_CreateTopics_result(ev)) {
    size_t cnt = 0;
    auto** topics = rd_kafka_CreateTopics_result_topics(res, &cnt);
    if (cnt > 0)
      tres = topics[0];
  }
  if (tres) {
    err = rd_kafka_topic_result_error(tres);
    if (err) {
      auto* s = rd_kafka_topic_result_error_string(tres);
      errstr = s ? s : rd_kafka_err2str(err);
    }
  }
  return err;
}

} // namespace

topic_creator::~topic_creator() {
  if (queue_)
    rd_kafka_queue_destroy(queue_);
}

void topic_creator::start(rd_kafka_s* rk, const kafka_options& opts,
                          int64_t now) {
  rk_ = rk;
  opts_ = opts;
  if (!queue_)
    queue_ = rd_kafka_queue_new(rk_);
  send_request(now);
}

void topic_creator::send_request(int64_t now) {
  char errstr[512];
  auto* nt = rd_kafka_NewTopic_new(opts_.topic.c_str(), opts_.partitions,
                                   opts_.replication_factor, errstr,
                                   sizeof(errstr));
  if (!nt) {
    refusal_ = "kafka: cannot create topic '" + opts_.topic + "': " + errstr;
    outcome_ = refusal_;
    retry_later(now, 30000);
    return;
  }
  auto* options = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, 10000, errstr,
                                            sizeof(errstr));
  rd_kafka_AdminOptions_set_operation_timeout(options, 10000, errstr,
                                              sizeof(errstr));
  rd_kafka_CreateTopics(rk_, &nt, 1, options, queue_);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(nt);
  ++attempts_;
  st_ = state::pending;
}

void topic_creator::retry_later(int64_t now, int64_t delay_ms) {
  st_ = state::waiting;
  retry_at_ = now + delay_ms;
}

void topic_creator::lookup_partitions(int timeout_ms) {
  auto* rkt = rd_kafka_topic_new(rk_, opts_.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_, 0, rkt, &md, timeout_ms)
        == RD_KAFKA_RESP_ERR_NO_ERROR
      && md) {
    for (int i = 0; i < md->topic_cnt; ++i)
      if (opts_.topic == md->topics[i].topic
          && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        partitions_ = md->topics[i].partition_cnt;
  }
  if (md)
    rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
}

void topic_creator::warn_partition_mismatch() const {
  if (partitions_ > 0 && partitions_ != opts_.partitions)
    log::warn("kafka",
              "topic has another partition count than bus.partitions; "
              "using it as it is",
              {{"topic", opts_.topic},
               {"partitions", std::to_string(partitions_)},
               {"configured", std::to_string(opts_.partitions)}});
}

topic_creator::state topic_creator::poll(int64_t now) {
  if (st_ == state::ready && partitions_ < 0 && lookups_ < 10
      && now >= retry_at_) {
    // Right after creation the metadata may not list the topic yet.
    ++lookups_;
    retry_at_ = now + 1000;
    lookup_partitions(1000);
    warn_partition_mismatch();
    return st_;
  }
  if (st_ == state::waiting && now >= retry_at_) {
    send_request(now);
    return st_;
  }
  if (st_ != state::pending)
    return st_;
  auto* ev = rd_kafka_queue_poll(queue_, 0);
  if (!ev)
    return st_;
  std::string errstr;
  auto err = result_error(ev, errstr);
  rd_kafka_event_destroy(ev);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR
      || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    on_success(now, err == RD_KAFKA_RESP_ERR_NO_ERROR);
  else if (transient(err))
    on_transient_failure(now, std::string{rd_kafka_err2name(err)} + ": "
                                + errstr);
  else
    on_refusal(now, std::string{rd_kafka_err2name(err)} + ": " + errstr);
  return st_;
}

void topic_creator::on_success(int64_t now, bool created) {
  outcome_ = created ? "created" : "exists";
  refusal_.clear();
  transient_failures_ = 0;
  st_ = state::ready;
  retry_at_ = now;
  lookup_partitions(2000);
  log::info("kafka", created ? "topic created" : "topic exists",
            {{"topic", opts_.topic},
             {"partitions", std::to_string(partitions_)}});
  warn_partition_mismatch();
}

void topic_creator::on_transient_failure(int64_t now,
                                         const std::string& error) {
  ++transient_failures_;
  outcome_ = error;
  int64_t delay = std::min<int64_t>(500LL << std::min(transient_failures_, 4u),
                                    5000);
  if (transient_failures_ == 1 || transient_failures_ % 10 == 0)
    log::warn("kafka", "cannot reach the broker to create the topic; retrying",
              {{"topic", opts_.topic}, {"error", outcome_},
               {"attempts", std::to_string(attempts_)}});
  retry_later(now, delay);
}

void topic_creator::on_refusal(int64_t now, const std::string& error) {
  // Maybe only creating is forbidden and the topic is there.
  lookup_partitions(2000);
  if (partitions_ > 0) {
    outcome_ = "exists";
    refusal_.clear();
    st_ = state::ready;
    log::warn("kafka", "not allowed to create the topic, but it exists",
              {{"topic", opts_.topic}, {"error", error},
               {"partitions", std::to_string(partitions_)}});
    return;
  }
  bool first = refusal_.empty();
  refusal_ = "kafka: cannot create topic '" + opts_.topic + "' with "
             + std::to_string(opts_.partitions) + " partitions: " + error;
  outcome_ = refusal_;
  if (first)
    log::error("kafka", "the broker refused to create the event topic",
               {{"topic", opts_.topic}, {"error", error},
                {"partitions", std::to_string(opts_.partitions)},
                {"replication_factor",
                 std::to_string(opts_.replication_factor)}});
  retry_later(now, 30000);
}

} // namespace flux::bus
