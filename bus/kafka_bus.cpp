#include "bus/kafka_bus.hpp"

#include "bus/kafka_consumer.hpp"
#include "bus/kafka_producer.hpp"
#include "core/logger.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

bool parse_node_role(const std::string& text, node_role& out) {
  if (text == "all") out = node_role::all;
  else if (text == "pollers") out = node_role::pollers;
  else if (text == "gateway") out = node_role::gateway;
  else return false;
  return true;
}

const char* to_string(node_role r) {
  switch (r) {
    case node_role::all: return "all";
    case node_role::pollers: return "pollers";
    case node_role::gateway: return "gateway";
  }
  return "all";
}

namespace {

using self_ptr = kafka_bus_actor::stateful_pointer<kafka_bus_state>;

// A client's problem that leaves the node serving: the broker is
// unreachable (or a client is being rebuilt). The rooms keep their
// snapshots and history and the clients recover by themselves, so once the
// bus has been ready the node is degraded, not down. Prefixes as written by
// client_readiness() (bus/kafka_client.cpp) and the down handler below.
bool is_outage(const std::string& reason) {
  for (const char* p : {"kafka: broker down", "kafka: connecting to",
                        "kafka: producer restarting",
                        "kafka: consumer restarting"})
    if (reason.rfind(p, 0) == 0)
      return true;
  return false;
}

// One readiness for the node, from the clients' own.
void report(self_ptr self) {
  auto& st = self->state;
  bool ok = true;
  bool outage = true; // every problem is an outage
  std::string reason;
  for (auto& [component, h] : st.health) {
    if (h.first)
      continue;
    ok = false;
    outage = outage && is_outage(h.second);
    if (reason.find(h.second) != std::string::npos)
      continue;
    if (!reason.empty())
      reason += "; ";
    reason += h.second;
  }
  bool serving = !ok && outage && st.ever_ready;
  if (st.reported && ok == st.reported_ok && reason == st.reported_reason
      && serving == st.reported_serving)
    return;
  if (ok && !st.reported_ok) {
    log::info("kafka", st.ever_ready ? "kafka ready again" : "kafka ready");
    st.ever_ready = true;
  }
  else if (!ok && st.reported && st.reported_ok)
    log::warn("kafka", "kafka not ready", {{"reason", reason}});
  st.reported = true;
  st.reported_ok = ok;
  st.reported_reason = reason;
  st.reported_serving = serving;
  if (st.node)
    self->send(st.node, atom::health_v, std::string{"kafka"}, ok, reason,
               serving);
}

void forward_subscription(self_ptr self) {
  auto& st = self->state;
  if (!st.consumer || !st.subscriber)
    return;
  self->request(st.consumer, std::chrono::seconds{30}, atom::subscribe_v,
                st.sub_topic, st.sub_group, st.subscriber)
    .then([](int32_t) {},
          [](caf::error& err) {
            log::error("kafka", "the consumer refused the subscription",
                       {{"error", to_string(err)}});
          });
}

// A client ended: it is being restarted by the supervisor (the successor
// announces itself); a subscriber that ended is forgotten.
void on_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto why = to_string(msg.reason);
  if (st.producer && st.producer.address() == msg.source) {
    st.producer = kafka_producer_actor{};
    st.health["producer"] = {false, "kafka: producer restarting (" + why
                                      + ")"};
    report(self);
  } else if (st.consumer && st.consumer.address() == msg.source) {
    st.consumer = kafka_consumer_actor{};
    st.health["consumer"] = {false, "kafka: consumer restarting (" + why
                                      + ")"};
    report(self);
  } else if (st.subscriber && st.subscriber.address() == msg.source) {
    st.subscriber = record_actor{};
  }
}

// A (re)started producer announced itself.
void attach_producer(self_ptr self, const kafka_producer_actor& producer) {
  auto& st = self->state;
  self->monitor(producer);
  st.producer = producer;
  // Everything not confirmed yet, in order: what arrived while it was
  // being (re)started, and what its predecessor did not deliver.
  uint64_t again = 0;
  for (auto& r : st.retained) {
    if (r.seq <= st.last_sent)
      ++again;
    self->send(st.producer, atom::publish_v, r.seq, r.e);
  }
  st.last_sent = st.next_seq;
  st.replayed += again;
  ++st.producer_attachments;
  if (again > 0)
    log::info("kafka", "events the previous producer did not confirm "
                       "handed to its successor",
              {{"events", std::to_string(again)}});
}

// A (re)started consumer announced itself.
void attach_consumer(self_ptr self, const kafka_consumer_actor& consumer) {
  auto& st = self->state;
  self->monitor(consumer);
  st.consumer = consumer;
  ++st.consumer_attachments;
  forward_subscription(self);
}

// Keeps the subscription (replayed to a restarted consumer) and forwards
// it to the consumer.
caf::result<int32_t> subscribe(self_ptr self, const std::string& topic,
                               const std::string& group,
                               const record_actor& subscriber) {
  auto& st = self->state;
  if (!consumes(st.opts.role)) {
    log::info("kafka", "not consuming: this node's role is pollers",
              {{"topic", topic}});
    return int32_t{0};
  }
  if (topic != st.opts.kafka.topic)
    return caf::make_error(caf::sec::invalid_argument,
                           "unknown topic " + topic);
  st.sub_topic = topic;
  st.sub_group = group;
  st.subscriber = subscriber;
  self->monitor(subscriber);
  forward_subscription(self);
  return st.opts.kafka.partitions;
}

// Numbers an event, hands it to the producer (when attached) and keeps it
// until the producer confirms it.
void publish(self_ptr self, event& e) {
  auto& st = self->state;
  if (!produces(st.opts.role)) {
    if (st.rejected++ == 0)
      log::warn("kafka", "publish ignored: this node's role is gateway "
                         "(it does not produce)",
                {{"room", e.room}});
    return;
  }
  ++st.published;
  auto seq = ++st.next_seq;
  if (st.producer) {
    self->send(st.producer, atom::publish_v, seq, e);
    st.last_sent = seq;
  }
  if (st.retained.push(retained_event{seq, std::move(e)}) > 0
      && st.retained.dropped() == 1)
    log::warn("kafka", "more unconfirmed events than the producer can "
                       "hold; dropping the oldest snapshot events first",
              {{"producer_attached",
                st.producer ? std::string{"true"} : "false"}});
}

} // namespace

void write_status(json::writer& w, const kafka_bus_state& st,
                  caf::scheduled_actor* self) {
  w.start_object();
  write_common_status(w, self, "bus", "kafka", st.counters);
  w.kv("role", to_string(st.opts.role));
  w.kv("brokers", st.opts.kafka.brokers);
  w.kv("topic", st.opts.kafka.topic);
  w.kv("group", st.opts.kafka.group);
  w.kv("ready", st.reported_ok);
  w.kv("state", st.reported_ok ? "ok"
                : st.reported_serving ? "degraded" : "not_ready");
  if (!st.reported_ok)
    w.kv("reason", st.reported_reason);
  w.kv("producer_attached", static_cast<bool>(st.producer));
  w.kv("consumer_attached", static_cast<bool>(st.consumer));
  w.kv("producer_starts", st.producer_attachments);
  w.kv("consumer_starts", st.consumer_attachments);
  w.kv("published", st.published);
  w.kv("rejected", st.rejected);
  w.kv("waiting", st.producer ? uint64_t{0}
                              : static_cast<uint64_t>(st.retained.size()));
  w.kv("unconfirmed", static_cast<uint64_t>(st.retained.size()));
  w.kv("confirmed", st.confirmed);
  w.kv("replayed", st.replayed);
  w.kv("waiting_dropped", st.retained.dropped());
  w.kv("forwarded_commits", st.forwarded_commits);
  w.end_object();
}

kafka_bus_actor::behavior_type kafka_bus(self_ptr self, kafka_bus_options opts,
                                         node_actor node) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.node = std::move(node);
  st.retained = bounded_buffer<retained_event>{
    st.opts.kafka.buffer_events + st.opts.kafka.max_in_flight};
  if (produces(st.opts.role))
    st.health["producer"] = {false, "kafka: producer starting"};
  if (consumes(st.opts.role))
    st.health["consumer"] = {false, "kafka: consumer starting"};
  report(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_down(self, msg); });
  return {
    [self](atom::join, const kafka_producer_actor& producer) {
      ++self->state.counters.handled;
      attach_producer(self, producer);
    },
    [self](atom::join, const kafka_consumer_actor& consumer) {
      ++self->state.counters.handled;
      attach_consumer(self, consumer);
    },
    [self](atom::health, const std::string& component, bool ok,
           const std::string& reason, bool /* serving: the bus decides */) {
      auto& st = self->state;
      ++st.counters.handled;
      st.health[component] = {ok, reason};
      report(self);
    },
    [self](atom::publish, event& e) {
      ++self->state.counters.handled;
      publish(self, e);
    },
    [self](atom::deliver, const std::vector<uint64_t>& seqs) {
      auto& st = self->state;
      ++st.counters.handled;
      for (auto seq : seqs)
        if (st.retained.erase_seq(seq))
          ++st.confirmed;
    },
    [self](atom::subscribe, const std::string& topic, const std::string& group,
           const record_actor& subscriber) -> caf::result<int32_t> {
      ++self->state.counters.handled;
      return subscribe(self, topic, group, subscriber);
    },
    [self](atom::commit, const std::string& topic, const std::string& group,
           int32_t partition, int64_t next_offset) {
      auto& st = self->state;
      ++st.counters.handled;
      if (!st.consumer)
        return; // the restarted consumer starts from the committed offsets
      ++st.forwarded_commits;
      self->send(st.consumer, atom::commit_v, topic, group, partition,
                 next_offset);
    },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      json::writer w;
      write_status(w, self->state, self);
      return w.take();
    },
  };
}

std::vector<child_spec> kafka_children(const kafka_bus_options& opts,
                                       kafka_bus_actor bus) {
  std::vector<child_spec> out;
  auto k = opts.kafka;
  if (produces(opts.role))
    out.push_back({"kafka.producer", "kafka_producer",
                   [k, bus](caf::local_actor* sup) {
                     auto h = sup->spawn<caf::detached>(kafka_producer, k, bus);
                     caf::anon_send(bus, atom::join_v, h);
                     return status_actor{h};
                   }});
  if (consumes(opts.role))
    out.push_back({"kafka.consumer", "kafka_consumer",
                   [k, bus](caf::local_actor* sup) {
                     auto h = sup->spawn<caf::detached>(kafka_consumer, k, bus);
                     caf::anon_send(bus, atom::join_v, h);
                     return status_actor{h};
                   }});
  return out;
}

} // namespace flux::bus
