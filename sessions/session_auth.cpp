#include "sessions/session_auth.hpp"

#include <algorithm>
#include <chrono>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "wire/close_code.hpp"
#include "wire/protocol.hpp"

namespace flux::auth_steps {

namespace {

using namespace delivery;

// A timer holds the session alive until it fires (CAF keeps a strong
// reference), so one closed before its token's exp would linger that long:
// the one armed timer fires at most this far ahead and is re-armed.
constexpr int64_t max_timer_ms = 30000;

// Arms the timer for the earliest step due, unless one fires before it.
void arm(self_ptr self) {
  auto& st = self->state;
  int64_t next = -1;
  for (auto at : {st.warn_at_ms, st.expire_at_ms, st.grace_at_ms,
                  st.deadline_at_ms})
    if (at >= 0 && (next < 0 || at < next))
      next = at;
  if (next < 0)
    return;
  auto now = now_ms();
  next = std::min(std::max(next, now), now + max_timer_ms);
  if (st.auth_timer_at_ms >= 0 && st.auth_timer_at_ms <= next)
    return;
  st.auth_timer_at_ms = next;
  self->delayed_send(self, std::chrono::milliseconds{next - now},
                     atom::expire_v, ++st.auth_gen, int32_t{0});
}

bool due(int64_t& at, int64_t now) {
  if (at < 0 || at > now)
    return false;
  at = -1;
  return true;
}

// A refused token: its reason to the client and the log (never the token),
// and past auth.max-failures the connection closes.
void refuse(self_ptr self, const std::string& id, const auth::verdict& v) {
  auto& st = self->state;
  ++st.auth_failures;
  log::warn("session", "token refused",
            {{"session", st.id}, {"remote", st.socket->remote()},
             {"reason", v.reason}});
  reply(self, id,
        protocol::error_frame(id,
                              v.expired ? protocol::code::token_expired
                                        : protocol::code::unauthorized,
                              v.reason));
  if (st.auth_failures > st.access().options().max_failures)
    close_client(self, close_code::auth_failures,
                 "too many refused tokens");
}

// Ends, with `forbidden`, each subscription the identity no longer covers.
void drop_uncovered(self_ptr self) {
  auto& st = self->state;
  for (auto i = st.subs.begin(); i != st.subs.end();) {
    auto next = std::next(i);
    if (!st.access().may_subscribe(&st.who, i->first)) {
      auto room = i->first;
      leave(self, i);
      send_error(self, "null", protocol::code::forbidden,
                 "the new token does not cover room " + room, room);
    }
    i = next;
  }
}

// Takes a verified identity: a first one, or a refresh of the same sub.
bool take(self_ptr self, auth::verdict& v, std::string& why) {
  auto& st = self->state;
  if (st.authed && v.who.sub != st.who.sub) {
    why = "a refresh must carry a token of the same subject (sub)";
    return false;
  }
  bool refresh = st.authed;
  st.who = std::move(v.who);
  st.authed = true;
  st.token_expired = false;
  st.deadline_at_ms = st.grace_at_ms = -1;
  st.warn_at_ms = std::max<int64_t>(
    st.who.exp_ms - st.access().options().refresh_warning_ms, 0);
  st.expire_at_ms = st.who.exp_ms;
  arm(self);
  log::info("session", refresh ? "token refreshed" : "authenticated",
            {{"session", st.id}, {"sub", st.who.sub},
             {"exp", std::to_string(st.who.exp_ms / 1000)}});
  if (refresh)
    drop_uncovered(self);
  return true;
}

} // namespace

void start(self_ptr self) {
  auto& st = self->state;
  if (st.access().required()) {
    st.deadline_at_ms = now_ms() + st.access().options().timeout_ms;
    arm(self);
  }
  if (!st.opts.query_token.empty()
      && !authenticate(self, st.opts.query_token, "null"))
    close_client(self, close_code::unauthorized,
                 "the token in the URL was refused");
}

bool authenticate(self_ptr self, const std::string& token,
                  const std::string& id) {
  auto& st = self->state;
  auto v = st.access().verify(token, now_ms());
  if (v.ok && !take(self, v, v.reason))
    v.ok = false;
  if (!v.ok) {
    refuse(self, id, v);
    return false;
  }
  announce(self, id);
  return true;
}

void announce(self_ptr self, const std::string& id) {
  auto& st = self->state;
  reply(self, id,
        protocol::authed_frame(id, st.who.sub, st.who.exp_ms / 1000,
                               st.who.rooms.list(),
                               st.access().anonymous_rooms().list()));
}

bool admit(self_ptr self, bool has_token, std::string_view token,
           std::string& why) {
  auto& st = self->state;
  if (!has_token) {
    if (!st.access().required())
      return true;
    why = "unauthorized: a token is required (auth: {token})";
    return false;
  }
  auto v = st.access().verify(token, now_ms());
  if (v.ok && take(self, v, v.reason))
    return true;
  ++st.auth_failures;
  log::warn("session", "token refused",
            {{"session", st.id}, {"remote", st.socket->remote()},
             {"reason", v.reason}});
  why = std::string{v.expired ? "token_expired: " : "unauthorized: "}
        + v.reason;
  return false;
}

bool may_subscribe(self_ptr self, std::string_view room) {
  auto& st = self->state;
  return st.access().may_subscribe(st.authed ? &st.who : nullptr, room);
}

std::string visible_rooms(self_ptr self, const std::string& rooms_json) {
  rapidjson::Document doc;
  if (!json::parse(doc, rooms_json) || !doc.IsArray())
    return "[]";
  json::writer w;
  w.start_array();
  for (auto& room : doc.GetArray()) {
    std::string name;
    if (room.IsObject() && json::get(room, "name", name)
        && may_subscribe(self, name))
      w.raw(json::to_string(room));
  }
  w.end_array();
  return w.take();
}

bool may_request(self_ptr self) {
  return self->state.authed || !self->state.access().required();
}

void on_timer(self_ptr self, uint64_t gen, int32_t) {
  auto& st = self->state;
  if (st.closing || gen != st.auth_gen)
    return; // a newer timer is armed
  st.auth_timer_at_ms = -1;
  auto now = now_ms();
  auto& o = st.access().options();
  if (due(st.deadline_at_ms, now) && !st.authed) {
    close_client(self, close_code::unauthorized,
                 "no token within " + std::to_string(o.timeout_ms) + " ms");
    return;
  }
  if (due(st.warn_at_ms, now))
    reply(self, "null", protocol::token_expiring_frame(st.who.exp_ms / 1000));
  if (due(st.expire_at_ms, now)) {
    st.token_expired = true;
    reply(self, "null",
          protocol::error_frame("null", protocol::code::token_expired,
                                "the token expired; send a new one"));
    st.grace_at_ms = now + o.expiry_grace_ms;
  }
  if (due(st.grace_at_ms, now) && st.token_expired) {
    close_client(self, close_code::unauthorized, "token expired");
    return;
  }
  arm(self);
}

} // namespace flux::auth_steps
