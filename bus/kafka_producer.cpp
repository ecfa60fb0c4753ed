#include "bus/kafka_producer.hpp"

#include <librdkafka/rdkafka.h>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

namespace {

using self_ptr = kafka_producer_actor::stateful_pointer<kafka_producer_state>;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<kafka_producer_state*>(
    static_cast<kafka_client_state*>(opaque));
  auto now = now_ms();
  auto seq = reinterpret_cast<uintptr_t>(m->_private);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    st->confirmed.push_back(seq);
    ++st->delivered;
    st->last_delivery_ms = now;
    if (!st->stopping)
      note_broker_up(*st, now);
    return;
  }
  // Purged (we are stopping) or failed with the handle: not confirmed, so
  // the bus hands the event to the next producer. Any other error is
  // permanent for this record (a successor would fail the same way).
  if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE
      || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    return;
  if (m->err != RD_KAFKA_RESP_ERR__FATAL)
    st->failed.push_back(seq);
  ++st->delivery_failures;
  std::string why = std::string{rd_kafka_err2name(m->err)} + ": "
                    + rd_kafka_err2str(m->err);
  if (why != st->last_delivery_error || st->delivery_failures == 1
      || st->delivery_failures % 1000 == 0)
    log::warn("kafka", "delivery failed",
              {{"topic", st->opts.topic}, {"error", why},
               {"failures", std::to_string(st->delivery_failures)}});
  st->last_delivery_error = std::move(why);
}

// Tells the bus which publishes it need not keep any longer. Failures are
// confirmed only while the handle is healthy: after a fatal error the
// successor retries them.
void confirm(kafka_producer_state& st) {
  if (!st.fatal && !st.failed.empty()) {
    st.confirmed.insert(st.confirmed.end(), st.failed.begin(),
                        st.failed.end());
  }
  st.failed.clear();
  if (st.confirmed.empty() || !st.bus)
    return;
  caf::anon_send(st.bus, atom::deliver_v, std::move(st.confirmed));
  st.confirmed.clear();
}

// Hands buffered events to librdkafka while it has room.
void pump(kafka_producer_state& st) {
  if (!st.rk || !st.admin || !st.admin->ready())
    return;
  // Only now: a topic handle makes librdkafka ask for the topic's metadata.
  if (!st.rkt)
    st.rkt = rd_kafka_topic_new(st.rk, st.opts.topic.c_str(), nullptr);
  while (!st.buffer.empty()
         && static_cast<size_t>(rd_kafka_outq_len(st.rk)) < st.opts.max_in_flight) {
    auto& r = st.buffer.front();
    auto err = rd_kafka_producev(
      st.rk, RD_KAFKA_V_RKT(st.rkt),
      RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
      RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(r.seq))),
      RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      break;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++st.produce_errors;
      st.confirmed.push_back(r.seq); // refused for good: nothing to retry
      log::warn("kafka", "event refused by the producer; dropped",
                {{"room", r.key}, {"error", rd_kafka_err2str(err)},
                 {"bytes", std::to_string(r.value.size())}});
    } else {
      ++st.produced;
    }
    st.buffer.pop_front();
  }
}

// One round of housekeeping: delivery reports, callbacks, topic creation,
// moving buffered events on, readiness.
void service(self_ptr self) {
  auto& st = self->state;
  rd_kafka_poll(st.rk, 0);
  st.admin->poll(now_ms());
  pump(st);
  confirm(st);
  report_readiness(self, st);
  quit_if_fatal(self, st);
}

void install_delivery_cb(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

// Buffers a published event for pump(), logging when the buffer overflows.
void buffer_event(kafka_producer_state& st, uint64_t seq, event& e) {
  pending_record r;
  r.key = e.room;
  r.value = encode_event(e);
  r.kind = e.kind;
  r.seq = seq;
  // A dropped record is given up for good: the bus need not keep it.
  auto on_drop = [&st](const pending_record& d) {
    st.confirmed.push_back(d.seq);
  };
  if (st.buffer.push(std::move(r), on_drop) == 0)
    return;
  auto dropped = st.buffer.dropped_snapshots() + st.buffer.dropped_other();
  if (st.dropped_logged == 0 || dropped >= st.dropped_logged * 2) {
    st.dropped_logged = dropped;
    log::warn("kafka", "producer buffer full; dropping the oldest "
                       "snapshot events first",
              {{"capacity", std::to_string(st.buffer.capacity())},
               {"dropped_snapshots",
                std::to_string(st.buffer.dropped_snapshots())},
               {"dropped_other", std::to_string(st.buffer.dropped_other())},
               {"broker", st.health.name()}});
  }
}

} // namespace

kafka_producer_state::~kafka_producer_state() {
  shut_down();
}

void kafka_producer_state::shut_down() {
  if (!rk)
    return;
  stopping = true;
  // Give librdkafka what is still buffered and a moment to deliver it.
  if (admin && admin->ready() && !fatal) {
    auto cap = opts.max_in_flight;
    opts.max_in_flight = static_cast<size_t>(-1);
    pump(*this);
    opts.max_in_flight = cap;
  }
  rd_kafka_flush(rk, health.ok() ? 3000 : 200);
  auto undelivered = static_cast<size_t>(rd_kafka_outq_len(rk))
                     + buffer.size();
  if (undelivered > 0)
    log::warn("kafka", "producer stopping with undelivered events; the bus "
                       "keeps them for the next producer",
              {{"undelivered", std::to_string(undelivered)},
               {"broker", health.name()}});
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  // What was delivered during the flush; the rest stays with the bus,
  // which hands it to our successor.
  confirm(*this);
  admin.reset(); // its queue must go before the handle
  if (rkt)
    rd_kafka_topic_destroy(rkt);
  rkt = nullptr;
  rd_kafka_destroy(rk);
  rk = nullptr;
}

void write_status(json::writer& w, const kafka_producer_state& st,
                  caf::scheduled_actor* self) {
  auto outq = st.rk ? rd_kafka_outq_len(st.rk) : 0;
  w.start_object();
  write_common_status(w, self, "kafka_producer", "producer", st.counters);
  w.kv("topic", st.opts.topic);
  w.kv("topic_state", st.admin ? st.admin->outcome() : std::string{});
  w.kv("partitions", st.admin ? st.admin->partitions() : -1);
  auto [ok, reason] = client_readiness(st, *st.admin);
  w.kv("ready", ok);
  if (!ok)
    w.kv("not_ready_reason", reason);
  write_broker_status(w, st);
  w.kv("queue_depth", static_cast<uint64_t>(st.buffer.size())
                        + static_cast<uint64_t>(outq));
  w.kv("buffered", static_cast<uint64_t>(st.buffer.size()));
  w.kv("buffered_bytes", static_cast<uint64_t>(st.buffer.bytes()));
  w.kv("buffer_capacity", static_cast<uint64_t>(st.buffer.capacity()));
  w.kv("in_flight", static_cast<int64_t>(outq));
  w.kv("received", st.received);
  w.kv("produced", st.produced);
  w.kv("delivered", st.delivered);
  w.kv("delivery_failures", st.delivery_failures);
  if (!st.last_delivery_error.empty())
    w.kv("last_delivery_error", st.last_delivery_error);
  w.kv("produce_errors", st.produce_errors);
  w.kv("dropped", st.buffer.dropped_snapshots() + st.buffer.dropped_other());
  w.kv("dropped_snapshots", st.buffer.dropped_snapshots());
  w.kv("dropped_other", st.buffer.dropped_other());
  w.kv("last_delivery_ms", st.last_delivery_ms);
  w.end_object();
}

kafka_producer_actor::behavior_type
kafka_producer(self_ptr self, kafka_options opts, kafka_bus_actor bus) {
  auto& st = self->state;
  client_setup setup;
  setup.who = "producer";
  setup.settings = {
    {"enable.idempotence", "true"},
    // Never give up on a message by time: while the broker is away,
    // librdkafka holds at most max_in_flight of them, the rest wait in
    // our buffer (which drops the oldest snapshots first when full).
    {"message.timeout.ms", "0"},
    {"linger.ms", "5"},
    // Kafka's default partitioner (murmur2), so Java producers and Flux
    // put a room on the same partition.
    {"partitioner", "murmur2_random"}};
  setup.install_callbacks = install_delivery_cb;
  st.buffer = produce_buffer{opts.buffer_events};
  if (!start_client(self, st, setup, std::move(opts), std::move(bus)))
    return kafka_producer_actor::behavior_type::make_empty_behavior();
  log::info("kafka", "producer started",
            {{"brokers", st.opts.brokers}, {"topic", st.opts.topic},
             {"client_id", st.opts.client_id + "-producer"}});
  report_readiness(self, st);
  self->send(self, atom::tick_v);
  return {
    [self](atom::publish, uint64_t seq, event& e) {
      auto& st = self->state;
      ++st.counters.handled;
      ++st.received;
      buffer_event(st, seq, e);
      pump(st);
    },
    [self](atom::tick) {
      service(self);
      self->delayed_send(self, self->state.opts.poll_interval, atom::tick_v);
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
