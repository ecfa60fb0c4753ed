#include "sessions/session_delivery.hpp"

#include <algorithm>

#include "core/logger.hpp"
#include "core/type_ids.hpp"
#include "wire/protocol.hpp"
#include "wire/socketio.hpp"

namespace flux::delivery {

namespace {

// Socket.IO: a client closed for misbehaving gets DISCONNECT first, so
// socket.io-client reports "io server disconnect" and does not reconnect by
// itself. Other closes (shutdown, slow consumer, ping timeout) stay at the
// transport level: the client reconnects and resumes.
bool says_disconnect(const session_state& st, uint16_t code) {
  return st.opts.wire == wire_format::socketio && st.sio.connected()
         && code == close_code::policy;
}

} // namespace

void close_client(self_ptr self, uint16_t code, std::string reason) {
  auto& st = self->state;
  if (st.closing)
    return;
  st.closing = true;
  st.socket->close(code, std::move(reason),
                   says_disconnect(st, code)
                     ? make_frame(socketio::disconnect)
                     : nullptr);
  self->quit();
}

void enqueue(self_ptr self, frame_ptr frame) {
  auto& st = self->state;
  if (st.closing)
    return;
  if (!st.socket->send(std::move(frame))) {
    log::warn("session", "client too slow; closing",
              {{"session", st.id}, {"remote", st.socket->remote()},
               {"queued_bytes", std::to_string(st.socket->queued_bytes())}});
    close_client(self, close_code::slow_consumer,
                 "slow consumer: more than "
                   + std::to_string(st.opts.queue_budget_bytes)
                   + " bytes queued");
  }
}

bool is_socketio(self_ptr self) {
  return self->state.opts.wire == wire_format::socketio;
}

void reply(self_ptr self, const std::string& id, std::string frame) {
  enqueue(self, make_frame(is_socketio(self) ? socketio::answer(id, frame)
                                              : std::move(frame)));
}

void send_error(self_ptr self, const std::string& id, const char* code,
                std::string_view message, std::string_view room) {
  auto& st = self->state;
  ++st.errors;
  reply(self, id, protocol::error_frame(id, code, message, room));
  if (st.errors >= st.opts.max_errors)
    close_client(self, close_code::policy, "too many invalid requests");
}

void leave(self_ptr self, std::map<std::string, subscription>::iterator i) {
  auto& st = self->state;
  if (i->second.link)
    st.socket->close_link(*i->second.link);
  if (i->second.room) {
    self->send(i->second.room, atom::unsubscribe_v, session_actor{self});
    self->demonitor(i->second.room.address());
  }
  forget_waiting(self, i->first, i->second);
  st.subs.erase(i);
}

namespace {

// The frame of a room's event for this client's wire format; the Socket.IO
// form is built once per event and shared by every Socket.IO subscriber.
frame_ptr wire_frame(self_ptr self, const room_frame& f) {
  return is_socketio(self) ? socketio::packet_of(f) : f.frame;
}

// A frame of a room waiting in this session: a conflated update (key set)
// or a held event of another kind.
struct waiting_frame {
  int64_t pos;
  frame_ptr frame;
  std::string room;
  std::string key;
};

// Puts a frame back where it waited.
void keep_waiting(session_state& st, waiting_frame w) {
  if (w.key.empty()) {
    auto s = st.subs.find(w.room);
    if (s == st.subs.end())
      return;
    st.held_bytes += w.frame->size();
    s->second.held.emplace_back(w.pos, std::move(w.frame));
    return;
  }
  auto k = std::make_pair(std::move(w.room), std::move(w.key));
  st.conflated.emplace(k, std::make_pair(w.pos, std::move(w.frame)));
  st.conflated_order.push_back(std::move(k));
}

// Moves the frames waiting here (of one room, or all; none of a room whose
// join backlog is still queueing) into the queue, in position order:
// positions only ever increase on the wire. Stops at conflate_above(); the
// rest goes once the client has read more.
void release_conflated(self_ptr self, const std::string* room) {
  auto& st = self->state;
  auto wanted = [&](const std::string& name) {
    if (room && name != *room)
      return false;
    auto s = st.subs.find(name);
    return s == st.subs.end() || !s->second.backlog;
  };
  std::vector<std::pair<std::string, std::string>> keep;
  std::vector<waiting_frame> out;
  for (auto& k : st.conflated_order) {
    if (!wanted(k.first)) {
      keep.push_back(k);
      continue;
    }
    auto i = st.conflated.find(k);
    out.push_back({i->second.first, std::move(i->second.second), k.first,
                   k.second});
    st.conflated.erase(i);
  }
  st.conflated_order = std::move(keep);
  for (auto& [name, sub] : st.subs) {
    if (!wanted(name))
      continue;
    for (auto& h : sub.held) {
      st.held_bytes -= h.second->size();
      out.push_back({h.first, std::move(h.second), name, {}});
    }
    sub.held.clear();
  }
  std::stable_sort(out.begin(), out.end(),
                   [](auto& a, auto& b) { return a.pos < b.pos; });
  size_t i = 0;
  for (; i < out.size() && !st.closing
         && st.socket->queued_bytes() <= conflate_above(st.opts);
       ++i)
    enqueue(self, std::move(out[i].frame)); // in the client's wire format
  if (i == out.size() || st.closing)
    return;
  for (; i < out.size(); ++i)
    keep_waiting(st, std::move(out[i]));
  st.socket->notify_below(direct_below(st.opts));
}

bool has_conflated(const session_state& st, const std::string& room) {
  for (auto& k : st.conflated_order)
    if (k.first == room)
      return true;
  return false;
}

// Frames of the room wait here: newer ones must queue behind them.
bool room_waits(const session_state& st, const std::string& room,
                const subscription& sub) {
  return sub.backlog || !sub.held.empty() || has_conflated(st, room);
}

} // namespace

void drain_backlog(self_ptr self, const std::string& room, subscription& sub) {
  auto& st = self->state;
  if (!sub.backlog)
    return;
  auto& frames = *sub.backlog;
  while (sub.backlog_next < frames.size()) {
    if (st.closing)
      return;
    if (st.socket->queued_bytes() > conflate_above(st.opts)) {
      st.socket->notify_below(direct_below(st.opts));
      return;
    }
    enqueue(self, wire_frame(self, frames[sub.backlog_next++]));
  }
  sub.backlog.reset();
  sub.backlog_next = 0;
  release_conflated(self, &room);
}

void forget_waiting(self_ptr self, const std::string& room,
                    subscription& sub) {
  auto& st = self->state;
  for (auto& h : sub.held)
    st.held_bytes -= h.second->size();
  sub.held.clear();
  sub.backlog.reset();
  std::vector<std::pair<std::string, std::string>> keep;
  for (auto& k : st.conflated_order)
    if (k.first == room)
      st.conflated.erase(k);
    else
      keep.push_back(k);
  st.conflated_order = std::move(keep);
}

void ask_direct(self_ptr self, const std::string& room, subscription& sub) {
  auto& st = self->state;
  if (!sub.room || st.closing || room_waits(st, room, sub)
      || sub.skip_until >= 0 // the room's line would not skip for us
      || st.socket->queued_bytes() > direct_below(st.opts))
    return;
  if (!sub.link) {
    sub.link = std::make_shared<fanout_link>(st.socket);
    sub.link->socketio = is_socketio(self);
  }
  self->send(sub.room, atom::direct_v, sub.link, sub.burst_seq,
             static_cast<uint64_t>(conflate_above(st.opts)));
}

int64_t last_pos_of(const subscription& sub) {
  auto pos = std::max(sub.last_pos, sub.skip_until);
  if (sub.link)
    pos = std::max(pos, sub.link->last_pos.load(std::memory_order_relaxed));
  return pos;
}

namespace {

void on_room_frame(self_ptr self, const std::string& room, subscription& sub,
                   const room_frame& f) {
  auto& st = self->state;
  auto& key = f.key;
  auto frame = wire_frame(self, f);
  bool waits = room_waits(st, room, sub);
  if (key.empty()) {
    if (!waits) {
      enqueue(self, std::move(frame));
      return;
    }
    // Behind the room's waiting frames, in order; bounded like the queue.
    st.held_bytes += frame->size();
    if (st.held_bytes > st.opts.queue_budget_bytes) {
      close_client(self, close_code::slow_consumer,
                   "slow consumer: more than "
                     + std::to_string(st.opts.queue_budget_bytes)
                     + " bytes waiting");
      return;
    }
    sub.held.emplace_back(f.pos, std::move(frame));
    return;
  }
  if (waits || st.socket->queued_bytes() > conflate_above(st.opts)) {
    auto k = std::make_pair(room, key);
    auto [i, added] = st.conflated.emplace(k, std::make_pair(f.pos, frame));
    if (added) {
      if (st.conflated_order.empty()) // hear when the client catches up
        st.socket->notify_below(direct_below(st.opts));
      st.conflated_order.push_back(std::move(k));
    } else {
      i->second = {f.pos, std::move(frame)};
      ++st.conflated_drops;
    }
    return;
  }
  enqueue(self, std::move(frame));
}

} // namespace

void on_burst(self_ptr self, const room_burst& burst) {
  auto& st = self->state;
  if (burst.frames.empty())
    return;
  auto sender = self->current_sender();
  for (auto& [room, sub] : st.subs)
    if (sub.room && sub.room.address() == sender) {
      sub.burst_seq = burst.seq;
      if (sub.skip_until >= 0) { // resumed ahead of the room
        auto skip = sub.skip_until;
        if (burst.frames.back().pos > skip) {
          sub.skip_until = -1;
          sub.last_pos = burst.frames.back().pos;
          for (auto& f : burst.frames)
            if (f.pos > skip)
              on_room_frame(self, room, sub, f);
          ask_direct(self, room, sub);
        }
        return;
      }
      sub.last_pos = burst.frames.back().pos;
      // Keeping up: the room's one shared message for the burst. (A
      // burst that would take the queue past conflate_above() goes frame
      // by frame, so its updates can be conflated.)
      if (!is_socketio(self) && burst.batch && !room_waits(st, room, sub)
          && st.socket->queued_bytes() + burst.batch->size()
               <= conflate_above(st.opts)) {
        enqueue(self, burst.batch);
        ask_direct(self, room, sub);
        return;
      }
      for (auto& f : burst.frames)
        on_room_frame(self, room, sub, f);
      ask_direct(self, room, sub);
      return;
    }
  // From a room we left: drop.
}

void on_drained(self_ptr self) {
  if (self->state.closing)
    return;
  for (auto& [room, sub] : self->state.subs)
    drain_backlog(self, room, sub);
  release_conflated(self, nullptr);
  for (auto& [room, sub] : self->state.subs)
    ask_direct(self, room, sub);
}

} // namespace flux::delivery
