#include "rooms/room.hpp"

#include <algorithm>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "wire/socketio.hpp"

namespace flux {

namespace {

using self_ptr = room_actor::stateful_pointer<room_state>;

// The burst goes to every session as one shared message, by enqueue (send
// would copy it for each); checked here as send would check it.
static_assert(caf::response_type<caf::signatures_of_t<session_actor>,
                                 atom::burst, room_burst>::valid,
              "sessions take (burst_atom, room_burst)");

// Sends the pending frames to every subscriber: straight into the socket
// of those that keep up, else as one shared message to the session (the
// burst, with its batch built once for all of them).
void flush_pending(self_ptr self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto n = st.pending.size();
  auto last_pos = st.pending.back().pos;
  auto burst = make_burst(std::move(st.pending));
  st.pending = room_frames{};
  auto seq = burst.seq = ++st.burst_seq;
  auto& batch = burst.batch;
  // Socket.IO packets of the burst, built when a direct Socket.IO
  // subscriber first needs them (shared with the sessions that encode).
  std::vector<frame_ptr> packets;
  caf::message msg;
  for (auto& [session, sub] : st.subscribers) {
    if (sub.direct) {
      bool queued;
      if (sub.link->socketio) {
        if (packets.empty())
          for (auto& f : burst.frames)
            packets.push_back(socketio::packet_of(f));
        queued = sub.link->socket->send_direct(*sub.link, packets.data(),
                                               packets.size(),
                                               sub.direct_limit, last_pos);
      } else {
        queued = sub.link->socket->send_direct(*sub.link, &batch, 1,
                                               sub.direct_limit, last_pos);
      }
      if (queued) {
        ++st.direct_bursts;
        continue;
      }
      sub.direct = false; // falling behind: the session conflates
      ++st.direct_fallbacks;
    }
    if (msg.empty()) // a copy of shared pointers; the burst stays for others
      msg = caf::make_message(atom::burst_v, burst);
    session->enqueue(self->ctrl(), caf::make_message_id(), msg,
                     self->context());
    sub.routed_seq = seq;
    ++st.fanout_messages;
  }
  st.frames_out += n * st.subscribers.size();
}

// The rate and freshness figures of the status reply, over windows of at
// least 5 s, for an event applied at `now`.
void note_applied(room_state& st, const event& e, int64_t now) {
  ++st.window_events;
  st.freshness_last_ms = now - e.ts;
  st.freshness_max_ms = std::max(st.freshness_max_ms, st.freshness_last_ms);
  if (now - st.window_start_ms >= 5000) {
    st.freshness_window_max_ms = st.freshness_max_ms;
    st.freshness_max_ms = 0;
    st.rate = static_cast<double>(st.window_events) * 1000.0
              / static_cast<double>(now - st.window_start_ms);
    st.window_start_ms = now;
    st.window_events = 0;
  }
}

void on_deliver(self_ptr self, const event& e, const std::string& epoch,
                int64_t pos, int32_t partition) {
  auto& st = self->state;
  ++st.counters.handled;
  auto oversized = st.core->oversized();
  auto frame = st.core->apply(e, epoch, pos);
  // A dropped event leaves its cards stale: say so, on the first drop and
  // every 1000th after it (the count is on /stats).
  if (st.core->oversized() != oversized && oversized % 1000 == 0)
    log::warn("room", "event over rooms.max-event-bytes dropped",
              {{"room", st.core->name()}, {"id", e.id},
               {"bytes", std::to_string(e.data.size() + e.key.size())},
               {"dropped", std::to_string(oversized + 1)}});
  // Applied (or a duplicate): the directory may commit past it now.
  if (st.directory)
    self->send(st.directory, atom::commit_v, partition, pos);
  if (!frame)
    return;
  note_applied(st, e, now_ms());
  if (st.subscribers.empty())
    return;
  // Updates carry their key so a slow session can conflate them.
  st.pending.push_back(room_frame{
    pos, std::move(frame),
    e.kind == event_kind::update ? e.key : std::string{}});
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, atom::flush_v);
  }
}

room_join_result do_subscribe(self_ptr self, const session_actor& session,
                              const std::string& epoch, int64_t pos,
                              bool resume) {
  auto& st = self->state;
  ++st.counters.handled;
  // What is applied goes to the old subscribers first: the join below
  // already covers it for the new one.
  flush_pending(self);
  if (st.subscribers.emplace(session, room_subscriber{}).second)
    self->monitor(session);
  else
    st.subscribers[session].direct = false; // a re-join starts over
  std::optional<std::pair<std::string, int64_t>> from;
  if (resume)
    from.emplace(epoch, pos);
  auto r = st.core->join(from);
  return {r.resumed, r.reason, r.missed, st.core->epoch(),
          st.core->last_pos(), std::move(r.frames)};
}

void on_direct(self_ptr self, const fanout_link_ptr& link, uint64_t seq,
               uint64_t limit) {
  auto& st = self->state;
  ++st.counters.handled;
  auto session = caf::actor_cast<session_actor>(self->current_sender());
  auto i = st.subscribers.find(session);
  if (i == st.subscribers.end() || !link)
    return;
  auto& sub = i->second;
  sub.link = link;
  sub.direct_limit = static_cast<size_t>(limit);
  // Only with no burst still on its way to the session: the direct ones
  // must not overtake it.
  if (sub.routed_seq == seq)
    sub.direct = true;
}

void on_unsubscribe(self_ptr self, const session_actor& session) {
  ++self->state.counters.handled;
  if (self->state.subscribers.erase(session) > 0)
    self->demonitor(session.address());
}

void on_down(self_ptr self, const caf::down_msg& msg) {
  auto& subs = self->state.subscribers;
  for (auto i = subs.begin(); i != subs.end(); ++i)
    if (i->first.address() == msg.source) {
      subs.erase(i);
      return;
    }
}

} // namespace

void write_status(json::writer& w, const room_state& st) {
  auto& core = *st.core;
  w.kv("class", to_string(core.cls()));
  w.kv("subscribers", static_cast<uint64_t>(st.subscribers.size()));
  w.kv("epoch", core.epoch());
  w.kv("last_pos", core.last_pos());
  w.kv("last_ts", core.last_ts());
  w.kv("events", core.applied());
  w.kv("duplicates", core.duplicates());
  w.kv("history", static_cast<uint64_t>(core.ring_size()));
  w.kv("keys", static_cast<uint64_t>(core.keys()));
  w.kv("state_bytes", static_cast<uint64_t>(core.state_bytes()));
  w.kv("evicted_keys", core.evicted());
  w.kv("oversized_events", core.oversized());
  w.kv("frames_out", st.frames_out);
  w.kv("fanout_messages", st.fanout_messages);
  w.kv("direct_bursts", st.direct_bursts);
  w.kv("direct_fallbacks", st.direct_fallbacks);
  uint64_t direct = 0;
  for (auto& [session, sub] : st.subscribers)
    direct += sub.direct ? 1 : 0;
  w.kv("direct_subscribers", direct);
  w.kv("rate", st.rate);
  w.kv("freshness_last_ms", st.freshness_last_ms);
  w.kv("freshness_max_ms",
       std::max(st.freshness_max_ms, st.freshness_window_max_ms));
  w.kv("stale", core.stale());
}

room_actor::behavior_type room(self_ptr self, std::string name,
                               room_class cls, room_options opts,
                               commit_actor directory) {
  self->state.core.emplace(std::move(name), cls, opts);
  self->state.directory = std::move(directory);
  self->state.window_start_ms = now_ms();
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  return {
    [self](atom::deliver, const event& e, const std::string& epoch,
           int64_t pos, int32_t partition) {
      on_deliver(self, e, epoch, pos, partition);
    },
    [self](atom::flush) {
      self->state.flush_scheduled = false;
      flush_pending(self);
    },
    [self](atom::subscribe, const session_actor& session,
           const std::string& epoch, int64_t pos, bool resume) {
      return do_subscribe(self, session, epoch, pos, resume);
    },
    [self](atom::direct, const fanout_link_ptr& link, uint64_t seq,
           uint64_t limit) { on_direct(self, link, seq, limit); },
    [self](atom::unsubscribe, const session_actor& session) {
      on_unsubscribe(self, session);
    },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      return status_reply(self, "room", self->state.core->name());
    },
  };
}

} // namespace flux
