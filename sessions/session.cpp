#include "sessions/session.hpp"

#include <algorithm>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"
#include "core/type_ids.hpp"
#include "wire/protocol.hpp"
#include "wire/socketio.hpp"

namespace flux {

namespace {

using self_ptr = caf::stateful_actor<session_state>*;

// Socket.IO: a client closed for misbehaving gets DISCONNECT first, so
// socket.io-client reports "io server disconnect" and does not reconnect by
// itself. Other closes (shutdown, slow consumer, ping timeout) stay at the
// transport level: the client reconnects and resumes.
bool says_disconnect(const session_state& st, uint16_t code) {
  return st.opts.wire == wire_format::socketio && st.sio_connected
         && code == close_code::policy;
}

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

// The frame of a room's event for this client's wire format; the Socket.IO
// form is built once per event and shared by every Socket.IO subscriber.
frame_ptr wire_frame(self_ptr self, const room_frame& f) {
  return is_socketio(self) ? socketio::packet_of(f) : f.frame;
}

// The answer to a request: a native frame echoing the id, or for Socket.IO
// the acknowledgement of the request's ack id (an event when it had none).
void reply(self_ptr self, const std::string& id, std::string frame) {
  if (!is_socketio(self)) {
    enqueue(self, make_frame(std::move(frame)));
    return;
  }
  if (id != "null" && !id.empty() && id[0] != '"')
    enqueue(self, make_frame(socketio::ack(std::stoll(id), frame)));
  else
    enqueue(self, make_frame(socketio::from_frame(frame)));
}

void send_error(self_ptr self, const std::string& id, const char* code,
                std::string_view message, std::string_view room = {}) {
  auto& st = self->state;
  ++st.errors;
  reply(self, id, protocol::error_frame(id, code, message, room));
  if (st.errors >= st.opts.max_errors)
    close_client(self, close_code::policy, "too many invalid requests");
}

bool take_token(self_ptr self) {
  auto& st = self->state;
  auto now = now_ms();
  st.tokens = std::min(st.opts.request_burst,
                       st.tokens
                         + static_cast<double>(now - st.tokens_at_ms) / 1000.0
                             * st.opts.requests_per_second);
  st.tokens_at_ms = now;
  if (st.tokens < 1.0)
    return false;
  st.tokens -= 1.0;
  return true;
}

void ask_direct(self_ptr self, const std::string& room, subscription& sub);
void drain_backlog(self_ptr self, const std::string& room, subscription& sub);
void forget_waiting(self_ptr self, const std::string& room, subscription& sub);

void join(self_ptr self, const std::string& room, const std::string& id,
          bool resume, const std::string& epoch, int64_t pos) {
  auto& st = self->state;
  auto seq = ++st.join_seq;
  st.subs[room].join_seq = seq;
  self
    ->request(st.directory, std::chrono::seconds{5}, atom::subscribe_v, room,
              caf::actor{self}, epoch, pos, resume)
    .then(
      [self, room, id, seq, resume, pos](bool resumed, std::string& reason,
                                         int64_t missed,
                            std::string& epoch, int64_t last_pos,
                            room_frames_ptr& frames) {
        auto& st = self->state;
        auto handle = caf::actor_cast<caf::actor>(self->current_sender());
        auto i = st.subs.find(room);
        if (i == st.subs.end() || i->second.join_seq != seq) {
          // Unsubscribed (or re-joined) meanwhile: undo this join.
          if (i == st.subs.end() && handle)
            self->send(handle, atom::unsubscribe_v, caf::actor{self});
          return;
        }
        auto& sub = i->second;
        if (sub.room != handle) {
          sub.room = handle;
          self->monitor(handle);
        }
        sub.epoch = epoch;
        sub.last_pos = last_pos;
        sub.skip_until = resume && resumed && pos > last_pos ? pos : -1;
        sub.burst_seq = 0; // the room's count starts anew for this join
        if (sub.link)
          sub.link->last_pos.store(last_pos, std::memory_order_relaxed);
        reply(self, id,
              protocol::subscribed_frame(id, room, epoch, last_pos, resumed,
                                         reason, missed));
        sub.backlog = frames && !frames->empty() ? std::move(frames) : nullptr;
        sub.backlog_next = 0;
        drain_backlog(self, room, sub);
        ask_direct(self, room, sub);
      },
      [self, room, id, seq](caf::error& err) {
        auto& st = self->state;
        auto i = st.subs.find(room);
        if (i != st.subs.end() && i->second.join_seq == seq && !i->second.room)
          st.subs.erase(i);
        if (err.context().match_element<std::string>(0)
            && err.context().get_as<std::string>(0) == "unknown_room")
          send_error(self, id, protocol::code::unknown_room,
                     "no such room: " + room, room);
        else
          send_error(self, id, protocol::code::internal,
                     "subscribe failed: " + to_string(err), room);
      });
}

void dispatch(self_ptr self, protocol::request& req) {
  auto& st = self->state;
  if (!take_token(self)) {
    send_error(self, req.id, protocol::code::rate_limited,
               "too many requests; slow down");
    return;
  }
  switch (req.kind) {
    case protocol::op::ping:
      reply(self, req.id, protocol::pong_frame(req.id, now_ms()));
      break;
    case protocol::op::rooms:
      self->request(st.directory, std::chrono::seconds{5}, atom::list_v)
        .then(
          [self, id = req.id](const std::string& rooms) {
            reply(self, id, protocol::rooms_frame(id, rooms));
          },
          [self, id = req.id](caf::error& err) {
            send_error(self, id, protocol::code::internal, to_string(err));
          });
      break;
    case protocol::op::subscribe:
      if (st.subs.count(req.room) == 0
          && st.subs.size() >= st.opts.max_subscriptions) {
        send_error(self, req.id, protocol::code::too_many_subscriptions,
                   "at most " + std::to_string(st.opts.max_subscriptions)
                     + " subscriptions per connection",
                   req.room);
        break;
      }
      join(self, req.room, req.id, req.resume, req.epoch, req.pos);
      break;
    case protocol::op::unsubscribe: {
      auto i = st.subs.find(req.room);
      if (i != st.subs.end()) {
        // Nothing more from the room once the client hears it left.
        if (i->second.link)
          st.socket->close_link(*i->second.link);
        if (i->second.room) {
          self->send(i->second.room, atom::unsubscribe_v, caf::actor{self});
          self->demonitor(i->second.room);
        }
        forget_waiting(self, req.room, i->second);
        st.subs.erase(i);
      }
      reply(self, req.id, protocol::unsubscribed_frame(req.id, req.room));
      break;
    }
  }
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
// positions only ever increase on the wire. Stops at half the budget; the
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
         && st.socket->queued_bytes() <= st.opts.queue_budget_bytes / 2;
       ++i)
    enqueue(self, std::move(out[i].frame)); // in the client's wire format
  if (i == out.size() || st.closing)
    return;
  for (; i < out.size(); ++i)
    keep_waiting(st, std::move(out[i]));
  st.socket->notify_below(st.opts.queue_budget_bytes / 4);
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

// Queues a join's frames while the queue stays under half the budget, the
// rest as the client reads (write_done); then what waited behind them.
// Each frame is at most a quarter of the budget (room_options), so a client
// that reads gets them all, however large the room's state.
void drain_backlog(self_ptr self, const std::string& room, subscription& sub) {
  auto& st = self->state;
  if (!sub.backlog)
    return;
  auto& frames = *sub.backlog;
  while (sub.backlog_next < frames.size()) {
    if (st.closing)
      return;
    if (st.socket->queued_bytes() > st.opts.queue_budget_bytes / 2) {
      st.socket->notify_below(st.opts.queue_budget_bytes / 4);
      return;
    }
    enqueue(self, wire_frame(self, frames[sub.backlog_next++]));
  }
  sub.backlog.reset();
  sub.backlog_next = 0;
  release_conflated(self, &room);
}

// The client left the room: nothing of it waits any more.
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

// A client that keeps up gets the room's bursts straight into its socket:
// ask the room, once nothing of the room waits here (conflated) and the
// queue is under a quarter of the budget. The room agrees only if no burst
// newer than `burst_seq` is on its way to this session.
void ask_direct(self_ptr self, const std::string& room, subscription& sub) {
  auto& st = self->state;
  if (!sub.room || st.closing || room_waits(st, room, sub)
      || sub.skip_until >= 0 // the room's line would not skip for us
      || st.socket->queued_bytes() > st.opts.queue_budget_bytes / 4)
    return;
  if (!sub.link) {
    sub.link = std::make_shared<fanout_link>(st.socket);
    sub.link->socketio = is_socketio(self);
  }
  self->send(sub.room, atom::direct_v, sub.link, sub.burst_seq,
             static_cast<uint64_t>(st.opts.queue_budget_bytes / 2));
}

// The last position the client got from a room: what this session queued,
// or what the room queued through the link since.
int64_t last_pos_of(const subscription& sub) {
  auto pos = std::max(sub.last_pos, sub.skip_until);
  if (sub.link)
    pos = std::max(pos, sub.link->last_pos.load(std::memory_order_relaxed));
  return pos;
}

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
  if (waits || st.socket->queued_bytes() > st.opts.queue_budget_bytes / 2) {
    auto k = std::make_pair(room, key);
    auto [i, added] = st.conflated.emplace(k, std::make_pair(f.pos, frame));
    if (added) {
      if (st.conflated_order.empty()) // hear when the client catches up
        st.socket->notify_below(st.opts.queue_budget_bytes / 4);
      st.conflated_order.push_back(std::move(k));
    } else {
      i->second = {f.pos, std::move(frame)};
      ++st.conflated_drops;
    }
    return;
  }
  enqueue(self, std::move(frame));
}

void handle_native(self_ptr self, const std::string& text) {
  ++self->state.requests;
  protocol::request req;
  const char* code = nullptr;
  std::string message;
  if (!protocol::parse(text, req, code, message)) {
    send_error(self, req.id, code, message);
    return;
  }
  dispatch(self, req);
}

// -- Socket.IO ----------------------------------------------------------------

// Refused CONNECTs one connection may make; each refusal is answered only
// after a delay, so guessing a token costs connections and time.
constexpr uint32_t max_connect_failures = 3;
constexpr int64_t connect_refusal_delay_ms = 500;

// Arms one tick for the earliest Socket.IO deadline, unless one comes in
// time already (a tick of an older generation is then ignored).
void schedule_tick(self_ptr self) {
  auto& st = self->state;
  auto at = st.sio_next_ping_ms;
  if (st.sio_pong_due_ms >= 0)
    at = std::min(at, st.sio_pong_due_ms);
  if (!st.sio_connected)
    at = std::min(at, st.sio_connect_due_ms);
  if (st.sio_refusal_due_ms >= 0)
    at = std::min(at, st.sio_refusal_due_ms);
  if (st.sio_tick_at_ms >= 0 && st.sio_tick_at_ms <= at)
    return;
  st.sio_tick_at_ms = at;
  self->delayed_send(self,
                     std::chrono::milliseconds{std::max<int64_t>(
                       at - now_ms(), 1)},
                     atom::tick_v, ++st.sio_tick_gen);
}

void refuse_connect(self_ptr self) {
  auto& st = self->state;
  enqueue(self, make_frame(socketio::connect_error("/", "Not authorized")));
  if (st.sio_connect_failures >= max_connect_failures)
    close_client(self, close_code::policy, "too many failed CONNECT attempts");
}

// Engine.IO v4 heartbeat: a ping every interval, and no pong within the
// timeout after a ping closes the connection; no CONNECT in time neither.
void on_tick(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.sio_tick_gen || st.closing)
    return;
  st.sio_tick_at_ms = -1;
  auto now = now_ms();
  if (!st.sio_connected && now >= st.sio_connect_due_ms) {
    close_client(self, close_code::policy,
                 "no Socket.IO CONNECT within "
                   + std::to_string(st.opts.socketio_connect_timeout_ms)
                   + " ms");
    return;
  }
  if (st.sio_pong_due_ms >= 0 && now >= st.sio_pong_due_ms) {
    close_client(self, 1000, "ping timeout");
    return;
  }
  if (st.sio_refusal_due_ms >= 0 && now >= st.sio_refusal_due_ms) {
    st.sio_refusal_due_ms = -1;
    refuse_connect(self);
    if (st.closing)
      return;
  }
  if (now >= st.sio_next_ping_ms) {
    enqueue(self, make_frame(socketio::ping));
    if (st.sio_pong_due_ms < 0) // the oldest unanswered ping counts
      st.sio_pong_due_ms = now + st.opts.ping_timeout_ms;
    st.sio_next_ping_ms = std::max(st.sio_next_ping_ms
                                     + st.opts.ping_interval_ms,
                                   now + 1);
  }
  schedule_tick(self);
}

// CONNECT: only the main namespace, with the token when one is set. A
// refused one counts; the answer to a wrong token waits (see above).
void on_connect(self_ptr self, const socketio::packet& p) {
  auto& st = self->state;
  if (st.sio_refusal_due_ms >= 0) {
    close_client(self, close_code::policy,
                 "CONNECT while a refused CONNECT is pending");
    return;
  }
  if (p.ns != "/") {
    ++st.sio_connect_failures;
    enqueue(self,
            make_frame(socketio::connect_error(p.ns, "Invalid namespace")));
    if (st.sio_connect_failures >= max_connect_failures)
      close_client(self, close_code::policy,
                   "too many failed CONNECT attempts");
    return;
  }
  if (!st.sio_connected && !st.opts.auth_token.empty()
      && !(p.has_token && same_secret(p.token, st.opts.auth_token))) {
    ++st.sio_connect_failures;
    st.sio_refusal_due_ms = now_ms() + connect_refusal_delay_ms;
    schedule_tick(self);
    return;
  }
  if (!st.sio_connected) {
    st.sio_connected = true;
    st.sio_socket_id = socketio::random_id();
  }
  enqueue(self, make_frame(socketio::connect_ok("/", st.sio_socket_id)));
}

// Socket.IO: Engine.IO control packets, CONNECT, and events named like the
// native ops ("subscribe", {room, resume}) answered through their ack.
void handle_socketio(self_ptr self, const std::string& text) {
  auto& st = self->state;
  ++st.requests;
  socketio::packet p;
  std::string why;
  if (!socketio::parse(text, p, why)) {
    ++st.errors;
    close_client(self, 1002, "malformed Socket.IO packet: " + why);
    return;
  }
  using kind = socketio::packet::kind;
  switch (p.type) {
    case kind::pong:
      st.sio_pong_due_ms = -1;
      return;
    case kind::ping: // a v3-style ping or the "2probe" of an upgrade
      if (!take_token(self))
        send_error(self, "null", protocol::code::rate_limited,
                   "too many requests; slow down");
      else
        enqueue(self, make_frame("3" + p.data));
      return;
    case kind::noop:
    case kind::ack:
      return;
    case kind::close:
    case kind::disconnect:
      close_client(self, 1000, "client disconnected");
      return;
    case kind::connect:
      on_connect(self, p);
      return;
    case kind::event:
      break;
  }
  if (!st.sio_connected || p.ns != "/") {
    close_client(self, 1002, "event before CONNECT to the main namespace");
    return;
  }
  // {"op": name, ...arg} is exactly a native request.
  std::string native = "{\"op\":";
  json::writer name;
  name.value(p.name);
  native += name.take();
  if (p.arg.size() > 2 && p.arg.front() == '{') {
    native += ',';
    native.append(p.arg, 1, std::string::npos);
  } else {
    native += '}';
  }
  protocol::request req;
  const char* code = nullptr;
  std::string message;
  bool ok = protocol::parse(native, req, code, message);
  req.id = p.ack_id >= 0 ? std::to_string(p.ack_id) : "null";
  if (!ok) {
    send_error(self, req.id, code, message);
    return;
  }
  dispatch(self, req);
}

void start_socketio(self_ptr self) {
  auto& st = self->state;
  auto now = now_ms();
  st.sio_next_ping_ms = now + st.opts.ping_interval_ms;
  st.sio_connect_due_ms = now + st.opts.socketio_connect_timeout_ms;
  enqueue(self, make_frame(socketio::open_packet(
                  socketio::random_id(), st.opts.ping_interval_ms,
                  st.opts.ping_timeout_ms, st.opts.max_frame_bytes)));
  schedule_tick(self);
}

} // namespace

caf::behavior session(self_ptr self, std::string id,
                      std::shared_ptr<client_socket> socket,
                      caf::actor directory, caf::actor node,
                      session_options opts) {
  auto& st = self->state;
  st.id = std::move(id);
  st.socket = std::move(socket);
  st.directory = std::move(directory);
  st.opts = opts;
  // Socket.IO over WebSocket carries one packet per message: no batches.
  st.socket->configure(opts.queue_budget_bytes,
                       opts.wire == wire_format::socketio
                         ? 0
                         : opts.max_batch_bytes);
  st.tokens = opts.request_burst;
  st.tokens_at_ms = st.connected_ms = now_ms();
  if (node)
    self->send(node, atom::join_v, caf::actor{self}, std::string{"session"},
               st.id, int64_t{0});
  if (opts.wire == wire_format::socketio)
    start_socketio(self);
  else
    enqueue(self, make_frame(protocol::hello_frame(st.id, opts.max_frame_bytes,
                                                   opts.heartbeat_ms)));
  self->set_down_handler([self](caf::down_msg& msg) {
    // A room went down (it is restarted by the directory): re-join it from
    // the last position this client got.
    for (auto& [room, sub] : self->state.subs)
      if (sub.room && sub.room.address() == msg.source) {
        sub.room = caf::actor{};
        self->delayed_send(self, std::chrono::milliseconds{200},
                           atom::resubscribe_v, room);
      }
  });
  return {
    [self](atom::client_text, const std::string& text) {
      ++self->state.counters.handled;
      if (is_socketio(self))
        handle_socketio(self, text);
      else
        handle_native(self, text);
    },
    [self](atom::tick, uint64_t gen) {
      ++self->state.counters.handled;
      on_tick(self, gen);
    },
    // const: the room shares this one message with every subscriber; a
    // mutable reference would make CAF copy it for each of them.
    [self](atom::frame, const room_burst& burst) {
      auto& st = self->state;
      ++st.counters.handled;
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
          // burst that would fill half the queue goes frame by frame, so
          // its updates can be conflated.)
          if (!is_socketio(self) && burst.batch && !room_waits(st, room, sub)
              && st.socket->queued_bytes() + burst.batch->size()
                   <= st.opts.queue_budget_bytes / 2) {
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
    },
    [self](atom::write_done) {
      // The socket's queue drained below a quarter of the budget: more of
      // the joins' frames, then the conflated updates (latest per key).
      ++self->state.counters.handled;
      if (self->state.closing)
        return;
      for (auto& [room, sub] : self->state.subs)
        drain_backlog(self, room, sub);
      release_conflated(self, nullptr);
      for (auto& [room, sub] : self->state.subs)
        ask_direct(self, room, sub);
    },
    [self](atom::closed) {
      ++self->state.counters.handled;
      self->state.closing = true;
      self->quit();
    },
    [self](atom::close, uint16_t code, const std::string& reason) {
      ++self->state.counters.handled;
      close_client(self, code, reason);
    },
    [self](atom::resubscribe, const std::string& room) {
      auto& st = self->state;
      ++st.counters.handled;
      auto i = st.subs.find(room);
      if (i == st.subs.end() || i->second.room)
        return;
      auto& sub = i->second;
      join(self, room, "null", !sub.epoch.empty(), sub.epoch,
           last_pos_of(sub));
    },
    [self](atom::status) -> std::string {
      auto& st = self->state;
      ++st.counters.handled;
      json::writer w;
      w.start_object();
      write_common_status(w, self, "session", st.id, st.counters);
      w.kv("remote", st.socket->remote());
      w.kv("connected_ms", st.connected_ms);
      w.key("subscriptions");
      w.start_array();
      for (auto& [room, sub] : st.subs)
        w.value(room);
      w.end_array();
      w.kv("queued_bytes", static_cast<uint64_t>(st.socket->queued_bytes()));
      w.kv("queued_frames",
           static_cast<uint64_t>(st.socket->queued_frames()));
      w.kv("conflated_pending", static_cast<uint64_t>(st.conflated.size()));
      w.kv("conflated_drops", st.conflated_drops);
      w.kv("requests", st.requests);
      w.kv("errors", st.errors);
      auto out = st.socket->written();
      w.kv("frames_out", out.frames);
      w.kv("bytes_out", out.bytes);
      w.kv("writes", out.writes);
      w.end_object();
      return w.take();
    },
  };
}

} // namespace flux
