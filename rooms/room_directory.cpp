#include "rooms/room_directory.hpp"

#include <chrono>
#include <vector>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "rooms/room.hpp"

namespace flux {

namespace {

using self_ptr = room_directory_actor::stateful_pointer<room_directory_state>;

constexpr auto commit_interval = std::chrono::milliseconds{200};

room_entry* spawn_room(self_ptr self, const std::string& name,
                       room_class cls) {
  auto& st = self->state;
  auto handle = self->spawn(room, name, cls, st.opts.room, commit_actor{self});
  self->monitor(handle);
  auto [it, inserted] = st.rooms.try_emplace(name);
  it->second.handle = handle;
  it->second.cls = cls;
  it->second.failed = false;
  if (st.node)
    self->send(st.node, atom::join_v, status_actor{handle},
               std::string{"room"}, name,
               static_cast<int64_t>(it->second.policy.total_restarts()));
  return &it->second;
}

void subscribe_to_bus(self_ptr self) {
  auto& st = self->state;
  self->request(st.bus, caf::infinite, atom::subscribe_v, st.opts.topic,
                st.opts.group, record_actor{self})
    .then(
      [self](int32_t partitions) {
        self->state.subscribed = true;
        log::info("room_directory", "subscribed to the event bus",
                  {{"topic", self->state.opts.topic},
                   {"partitions", std::to_string(partitions)}});
      },
      [self](caf::error& err) {
        log::error("room_directory", "cannot subscribe to the event bus",
                   {{"error", to_string(err)}});
        self->quit(err);
      });
}

// Commits, per partition, the lowest offset not yet applied by its room
// (or the end of what was read when every event is applied).
void flush_commits(self_ptr self) {
  auto& st = self->state;
  for (auto& [partition, pp] : st.partitions) {
    auto next = pp.in_flight.empty() ? pp.next : pp.in_flight.begin()->first;
    if (next < 0 || next == pp.committed)
      continue;
    pp.committed = next;
    self->send(st.bus, atom::commit_v, st.opts.topic, st.opts.group, partition,
               next);
  }
}

// After a room restarts: hand it again what its predecessor never applied
// (records of our own consumer and forwarded ones), in offset order per
// partition. A room that gave up gets nothing; its events count as dropped
// so the partition's commits move on.
void redeliver(self_ptr self, const std::string& name, room_entry& entry) {
  auto& st = self->state;
  std::map<int32_t, std::vector<std::map<int64_t, in_flight_event>*>> sources;
  for (auto& [partition, pp] : st.partitions)
    sources[partition].push_back(&pp.in_flight);
  for (auto& [partition, events] : st.forwarded)
    sources[partition].push_back(&events);
  for (auto& [partition, maps] : sources) {
    std::map<int64_t, const in_flight_event*> ordered; // this room's, by offset
    for (auto* events : maps)
      for (auto i = events->begin(); i != events->end();) {
        if (i->second.e.room != name) {
          ++i;
        } else if (entry.failed) {
          ++st.dropped_failed;
          i = events->erase(i);
        } else {
          ordered.emplace(i->first, &i->second);
          ++i;
        }
      }
    for (auto& [offset, ev] : ordered) {
      ++st.redelivered;
      self->send(entry.handle, atom::deliver_v, ev->e, ev->epoch, offset,
                 partition);
    }
  }
}

// Decodes a record and hands it to its room, and keeps it until the room
// applied it (for a restarted room). A record of our own consumer is also
// forwarded to the cluster's other nodes, and committed once applied; a
// record a peer forwarded is never committed here.
void route(self_ptr self, const std::string& epoch, int32_t partition,
           int64_t offset, const std::string& value, bool forwarded) {
  auto& st = self->state;
  ++st.counters.handled;
  if (!forwarded) {
    auto& pp = st.partitions[partition];
    pp.next = std::max(pp.next, offset + 1);
  } else {
    ++st.forwarded_in;
  }
  event e;
  std::string why;
  if (!decode_event(value.data(), value.size(), e, why)) {
    ++st.malformed;
    if (st.logged_malformed.insert(why).second)
      log::warn("room_directory", "skipping malformed record",
                {{"reason", why}, {"partition", std::to_string(partition)},
                 {"offset", std::to_string(offset)}});
    return;
  }
  if (!forwarded && st.cluster) {
    ++st.forwarded_out;
    self->send(st.cluster, atom::forward_v, epoch, partition, offset, value);
  }
  auto i = st.rooms.find(e.room);
  room_entry* entry = i == st.rooms.end() ? nullptr : &i->second;
  if (!entry) {
    if (!st.opts.allow_dynamic
        || st.rooms.size() >= st.opts.max_rooms) {
      ++st.rejected_rooms;
      return;
    }
    auto cls = e.kind == event_kind::update ? room_class::stream
                                            : room_class::snapshot;
    entry = spawn_room(self, e.room, cls);
    log::info("room_directory", "created room on demand",
              {{"room", e.room}, {"class", to_string(cls)}});
  }
  if (entry->failed)
    return;
  ++st.delivered;
  self->send(entry->handle, atom::deliver_v, e, epoch, offset, partition);
  auto& in_flight = forwarded ? st.forwarded[partition]
                              : st.partitions[partition].in_flight;
  in_flight.emplace(offset, in_flight_event{epoch, std::move(e)});
}

// A room died: restart it at once (events keep arriving for it), or, past
// its restart intensity, give up on it and tell the node. Either way it
// gets (or drops) what its predecessor never applied.
void on_room_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& [name, entry] : st.rooms) {
    if (entry.handle.address() != msg.source)
      continue;
    if (msg.reason == caf::exit_reason::user_shutdown)
      return;
    std::chrono::milliseconds delay{0};
    if (!entry.policy.on_failure(now_ms(), delay, 0.5)) {
      entry.failed = true;
      log::error("room_directory", "room keeps failing; giving up",
                 {{"room", name}, {"reason", to_string(msg.reason)}});
      if (st.node)
        self->send(st.node, atom::health_v, "room " + name, false,
                   "failed: " + to_string(msg.reason), false);
      redeliver(self, name, entry);
      return;
    }
    // Subscribers see the old room go down and re-join the new one by
    // position.
    log::warn("room_directory", "room died; restarting",
              {{"room", name}, {"reason", to_string(msg.reason)}});
    redeliver(self, name, *spawn_room(self, name, entry.cls));
    return;
  }
}

// The room applied (or dropped as a duplicate) this event.
void on_commit(self_ptr self, int32_t partition, int64_t offset) {
  auto& st = self->state;
  ++st.counters.handled;
  auto i = st.partitions.find(partition);
  if (i != st.partitions.end())
    i->second.in_flight.erase(offset);
  auto f = st.forwarded.find(partition);
  if (f != st.forwarded.end())
    f->second.erase(offset);
}

room_join_result do_subscribe(self_ptr self, const std::string& name,
                              const session_actor& session,
                              const std::string& epoch, int64_t pos,
                              bool resume) {
  ++self->state.counters.handled;
  auto i = self->state.rooms.find(name);
  if (i == self->state.rooms.end() || i->second.failed)
    return caf::make_error(caf::sec::invalid_argument, "unknown_room");
  // The room answers the session directly: one hop, order preserved.
  return self->delegate(i->second.handle, atom::subscribe_v, session, epoch,
                        pos, resume);
}

std::string do_list(self_ptr self) {
  ++self->state.counters.handled;
  json::writer w;
  w.start_array();
  for (auto& [name, entry] : self->state.rooms) {
    if (entry.failed)
      continue;
    w.start_object();
    w.kv("name", name);
    w.kv("class", to_string(entry.cls));
    w.end_object();
  }
  w.end_array();
  return w.take();
}

} // namespace

void write_status(json::writer& w, const room_directory_state& st) {
  w.kv("rooms", static_cast<uint64_t>(st.rooms.size()));
  w.kv("subscribed", st.subscribed);
  w.kv("delivered", st.delivered);
  w.kv("malformed", st.malformed);
  w.kv("rejected_rooms", st.rejected_rooms);
  size_t in_flight = 0;
  for (auto& [partition, pp] : st.partitions)
    in_flight += pp.in_flight.size();
  w.kv("in_flight", static_cast<uint64_t>(in_flight));
  w.kv("redelivered", st.redelivered);
  w.kv("dropped_failed_room", st.dropped_failed);
  w.kv("forwarded_out", st.forwarded_out);
  w.kv("forwarded_in", st.forwarded_in);
}

room_directory_actor::behavior_type
room_directory(self_ptr self, std::vector<room_decl> rooms,
               directory_options opts, bus_actor bus, node_actor node) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.bus = std::move(bus);
  st.node = std::move(node);
  for (auto& decl : rooms)
    spawn_room(self, decl.name, decl.cls);
  subscribe_to_bus(self);
  self->delayed_send(self, commit_interval, atom::tick_v);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_room_down(self, msg); });
  return {
    [self](atom::deliver, const std::string& epoch, int32_t partition,
           int64_t offset, const std::string& value) {
      route(self, epoch, partition, offset, value, false);
    },
    [self](atom::forwarded, const std::string& epoch, int32_t partition,
           int64_t offset, const std::string& value) {
      route(self, epoch, partition, offset, value, true);
    },
    [self](atom::forward, const forward_actor& cluster) {
      ++self->state.counters.handled;
      self->state.cluster = cluster;
    },
    [self](atom::commit, int32_t partition, int64_t offset) {
      on_commit(self, partition, offset);
    },
    [self](atom::tick) {
      flush_commits(self);
      self->delayed_send(self, commit_interval, atom::tick_v);
    },
    [self](atom::subscribe, const std::string& name,
           const session_actor& session, const std::string& epoch, int64_t pos,
           bool resume) {
      return do_subscribe(self, name, session, epoch, pos, resume);
    },
    [self](atom::list) -> std::string { return do_list(self); },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      return status_reply(self, "room_directory", "rooms");
    },
  };
}

} // namespace flux
