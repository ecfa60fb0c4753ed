#include "bus/embedded_bus.hpp"

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux::bus {

namespace {

using self_ptr = bus_actor::stateful_pointer<embedded_bus_state>;

// Sends a consumer everything from its group's committed offsets on.
void send_backlog(self_ptr self, const std::string& topic,
                  const std::string& group, const record_actor& consumer) {
  auto& st = self->state;
  auto& offsets = st.committed[{topic, group}];
  auto n = st.log.partitions(topic);
  for (int32_t p = 0; p < n; ++p) {
    auto& part = st.log.partition(topic, p);
    auto from = offsets.count(p) > 0 ? offsets[p] : part.start_offset();
    if (from < part.start_offset())
      log::warn("embedded_bus", "committed offset fell out of retention",
                {{"group", group}, {"partition", std::to_string(p)}});
    for (auto& rec : part.read(from, part.size()))
      self->send(consumer, atom::deliver_v, st.epoch, p, rec.offset, rec.value);
  }
}

} // namespace

void write_status(json::writer& w, const embedded_bus_state& st,
                  caf::scheduled_actor* self) {
  w.start_object();
  write_common_status(w, self, "bus", "embedded", st.counters);
  w.kv("epoch", st.epoch);
  w.kv("published", st.published);
  w.key("partitions");
  w.start_array();
  auto& topic = st.opts.topic;
  for (int32_t p = 0; p < st.log.partitions(topic); ++p) {
    auto& part = st.log.partition(topic, p);
    w.start_object();
    w.kv("topic", topic);
    w.kv("partition", p);
    w.kv("start_offset", part.start_offset());
    w.kv("end_offset", part.end_offset());
    w.kv("bytes", static_cast<uint64_t>(part.bytes()));
    for (auto& [key, offsets] : st.committed)
      if (key.first == topic && offsets.count(p) > 0) {
        w.kv("committed", offsets.at(p));
        w.kv("lag", part.end_offset() - offsets.at(p));
      }
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

bus_actor::behavior_type embedded_bus(self_ptr self,
                                      embedded_bus_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.log = event_log{st.opts.keep};
  st.log.create_topic(st.opts.topic, st.opts.partitions);
  st.epoch = random_hex(12);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& consumers = self->state.consumers;
    for (auto i = consumers.begin(); i != consumers.end();)
      if (i->second.address() == msg.source)
        i = consumers.erase(i); // committed offsets stay for its successor
      else
        ++i;
  });
  return {
    [self](atom::publish, const event& e) {
      auto& st = self->state;
      ++st.counters.handled;
      auto value = encode_event(e);
      auto& topic = st.opts.topic;
      auto [partition, offset] = st.log.append(topic, e.room, value, now_ms());
      ++st.published;
      for (auto& [key, consumer] : st.consumers)
        if (key.first == topic)
          self->send(consumer, atom::deliver_v, st.epoch, partition, offset,
                     value);
    },
    [self](atom::subscribe, const std::string& topic, const std::string& group,
           const record_actor& consumer) -> caf::result<int32_t> {
      auto& st = self->state;
      ++st.counters.handled;
      if (!st.log.has_topic(topic))
        return caf::make_error(caf::sec::invalid_argument,
                               "unknown topic " + topic);
      auto rp = self->make_response_promise<int32_t>();
      st.consumers[{topic, group}] = consumer;
      self->monitor(consumer);
      // Answer first so the backlog arrives after the reply, in order.
      rp.deliver(st.log.partitions(topic));
      send_backlog(self, topic, group, consumer);
      return rp;
    },
    [self](atom::commit, const std::string& topic, const std::string& group,
           int32_t partition, int64_t next_offset) {
      ++self->state.counters.handled;
      auto& slot = self->state.committed[{topic, group}][partition];
      if (next_offset > slot)
        slot = next_offset;
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
