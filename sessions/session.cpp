#include "sessions/session.hpp"

#include <algorithm>

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "sessions/session_auth.hpp"
#include "sessions/session_delivery.hpp"
#include "wire/close_code.hpp"
#include "wire/protocol.hpp"
#include "wire/socketio.hpp"

namespace flux {

namespace {

using namespace delivery;

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

void join(self_ptr self, const std::string& room, const std::string& id,
          bool resume, const std::string& epoch, int64_t pos) {
  auto& st = self->state;
  auto seq = ++st.join_seq;
  st.subs[room].join_seq = seq;
  self
    ->request(st.directory, std::chrono::seconds{5}, atom::subscribe_v, room,
              session_actor{self}, epoch, pos, resume)
    .then(
      [self, room, id, seq, resume, pos](bool resumed, std::string& reason,
                                         int64_t missed,
                            std::string& epoch, int64_t last_pos,
                            room_frames_ptr& frames) {
        auto& st = self->state;
        // The room answered: the directory delegated the join to it
        // (docs/architecture.md, "Messages").
        auto handle = caf::actor_cast<room_actor>(self->current_sender());
        auto i = st.subs.find(room);
        if (i == st.subs.end() || i->second.join_seq != seq) {
          // Unsubscribed (or re-joined) meanwhile: undo this join.
          if (i == st.subs.end() && handle)
            self->send(handle, atom::unsubscribe_v, session_actor{self});
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
  if (req.kind != protocol::op::ping && req.kind != protocol::op::auth
      && !auth_steps::may_request(self)) {
    send_error(self, req.id, protocol::code::unauthorized,
               "authenticate first: {\"op\":\"auth\",\"token\":...}");
    return;
  }
  switch (req.kind) {
    case protocol::op::auth:
      auth_steps::authenticate(self, req.token, req.id);
      break;
    case protocol::op::ping:
      reply(self, req.id, protocol::pong_frame(req.id, now_ms()));
      break;
    case protocol::op::rooms:
      self->request(st.directory, std::chrono::seconds{5}, atom::list_v)
        .then(
          [self, id = req.id](const std::string& rooms) {
            reply(self, id,
                  protocol::rooms_frame(id,
                                        auth_steps::visible_rooms(self, rooms)));
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
      // Before the room is asked: a resume must not return what the token
      // may not see, nor tell whether the room exists.
      if (!auth_steps::may_subscribe(self, req.room)) {
        send_error(self, req.id, protocol::code::forbidden,
                   st.authed ? "your token does not cover room " + req.room
                             : "room " + req.room + " needs a token",
                   req.room);
        break;
      }
      join(self, req.room, req.id, req.resume, req.epoch, req.pos);
      break;
    case protocol::op::unsubscribe: {
      auto i = st.subs.find(req.room);
      if (i != st.subs.end())
        leave(self, i);
      reply(self, req.id, protocol::unsubscribed_frame(req.id, req.room));
      break;
    }
  }
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

// -- Socket.IO (the protocol itself: wire/socketio_dialogue) ------------------

// Arms one tick for the dialogue's earliest deadline, unless one comes in
// time already (a tick of an older generation is then ignored).
void schedule_tick(self_ptr self) {
  auto& st = self->state;
  auto at = st.sio.next_deadline();
  if (st.sio_tick_at_ms >= 0 && st.sio_tick_at_ms <= at)
    return;
  st.sio_tick_at_ms = at;
  self->delayed_send(self,
                     std::chrono::milliseconds{std::max<int64_t>(
                       at - now_ms(), 1)},
                     atom::tick_v, ++st.sio_tick_gen);
}

void carry_out(self_ptr self, socketio::step& s) {
  auto& st = self->state;
  if (s.malformed)
    ++st.errors;
  for (auto& packet : s.send)
    enqueue(self, make_frame(std::move(packet)));
  if (st.announce_authed) { // after the CONNECT answer it follows
    st.announce_authed = false;
    auth_steps::announce(self, "null");
  }
  if (!s.pong.empty()) {
    if (take_token(self))
      enqueue(self, make_frame(std::move(s.pong)));
    else
      send_error(self, "null", protocol::code::rate_limited,
                 "too many requests; slow down");
  }
  if (s.has_request) {
    protocol::request req;
    const char* code = nullptr;
    std::string message;
    bool ok = protocol::parse(s.request, req, code, message);
    req.id = s.request_id;
    if (ok)
      dispatch(self, req);
    else
      send_error(self, req.id, code, message);
  }
  if (s.close_code != 0)
    close_client(self, s.close_code, std::move(s.close_reason));
  if (!st.closing)
    schedule_tick(self);
}

void on_tick(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.sio_tick_gen || st.closing)
    return;
  st.sio_tick_at_ms = -1;
  auto s = st.sio.on_deadline(now_ms());
  carry_out(self, s);
}

void handle_socketio(self_ptr self, const std::string& text) {
  ++self->state.requests;
  auto s = self->state.sio.on_message(text, now_ms());
  carry_out(self, s);
}

void start_socketio(self_ptr self) {
  auto& st = self->state;
  socketio::dialogue_options o;
  o.auth_token = st.opts.auth_token;
  o.ping_interval_ms = st.opts.ping_interval_ms;
  o.ping_timeout_ms = st.opts.ping_timeout_ms;
  o.connect_timeout_ms = st.opts.socketio_connect_timeout_ms;
  o.max_payload = st.opts.max_frame_bytes;
  if (st.access().accepts_tokens() || st.access().required()) {
    o.admit = [self](bool has_token, std::string_view token, std::string& why) {
      bool ok = auth_steps::admit(self, has_token, token, why);
      self->state.announce_authed = ok && has_token;
      return ok;
    };
    o.max_connect_failures =
      static_cast<uint32_t>(st.access().options().max_failures + 1);
    o.refused_close_code = close_code::auth_failures;
  }
  st.sio = socketio::dialogue{std::move(o)};
  enqueue(self, make_frame(st.sio.open(now_ms())));
  schedule_tick(self);
}

// A room went down (it is restarted by the directory): re-join it from the
// last position this client got.
void on_room_down(self_ptr self, const caf::down_msg& msg) {
  for (auto& [room, sub] : self->state.subs)
    if (sub.room && sub.room.address() == msg.source) {
      sub.room = room_actor{};
      self->delayed_send(self, std::chrono::milliseconds{200},
                         atom::resubscribe_v, room);
    }
}

} // namespace

const auth::access_policy& session_state::access() const {
  static const auth::access_policy open;
  return opts.access ? *opts.access : open;
}

void write_status(json::writer& w, const session_state& st) {
  w.kv("remote", st.socket->remote());
  if (st.authed)
    w.kv("sub", st.who.sub);
  w.kv("connected_ms", st.connected_ms);
  w.key("subscriptions");
  w.start_array();
  for (auto& [room, sub] : st.subs)
    w.value(room);
  w.end_array();
  w.kv("queued_bytes", static_cast<uint64_t>(st.socket->queued_bytes()));
  w.kv("queued_frames", static_cast<uint64_t>(st.socket->queued_frames()));
  w.kv("conflated_pending", static_cast<uint64_t>(st.conflated.size()));
  w.kv("conflated_drops", st.conflated_drops);
  w.kv("requests", st.requests);
  w.kv("errors", st.errors);
  auto out = st.socket->written();
  w.kv("frames_out", out.frames);
  w.kv("bytes_out", out.bytes);
  w.kv("writes", out.writes);
}

session_actor::behavior_type
session(self_ptr self, std::string id, std::shared_ptr<client_socket> socket,
        room_directory_actor directory, node_actor node,
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
    self->send(node, atom::join_v, session_actor{self}, st.id);
  if (opts.wire == wire_format::socketio)
    start_socketio(self);
  else
    enqueue(self, make_frame(protocol::hello_frame(
                    st.id, opts.max_frame_bytes, opts.heartbeat_ms,
                    st.access().required()         ? "required"
                    : st.access().accepts_tokens() ? "optional"
                                                   : "off")));
  auth_steps::start(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_room_down(self, msg); });
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
    [self](atom::expire, uint64_t gen, int32_t stage) {
      ++self->state.counters.handled;
      auth_steps::on_timer(self, gen, stage);
    },
    // const: the room shares this one message with every subscriber; a
    // mutable reference would make CAF copy it for each of them.
    [self](atom::burst, const room_burst& burst) {
      ++self->state.counters.handled;
      on_burst(self, burst);
    },
    [self](atom::drained) {
      ++self->state.counters.handled;
      on_drained(self);
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
      ++self->state.counters.handled;
      return status_reply(self, "session", self->state.id);
    },
  };
}

} // namespace flux
