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

enum stage : int32_t { warn = 0, expired = 1, grace_over = 2, deadline = 3 };

void at(self_ptr self, int64_t when_ms, uint64_t gen, int32_t s) {
  auto delay = std::max<int64_t>(when_ms - now_ms(), 0);
  self->delayed_send(self, std::chrono::milliseconds{delay}, atom::expire_v,
                     gen, s);
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
  auto gen = ++st.auth_gen;
  auto& o = st.access().options();
  at(self, st.who.exp_ms - o.refresh_warning_ms, gen, warn);
  at(self, st.who.exp_ms, gen, expired);
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
  if (st.access().required())
    at(self, now_ms() + st.access().options().timeout_ms, 0, deadline);
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

void on_timer(self_ptr self, uint64_t gen, int32_t s) {
  auto& st = self->state;
  if (st.closing)
    return;
  if (s == deadline) {
    if (!st.authed)
      close_client(self, close_code::unauthorized,
                   "no token within "
                     + std::to_string(st.access().options().timeout_ms)
                     + " ms");
    return;
  }
  if (gen != st.auth_gen)
    return; // a refresh came: its own timers run
  if (s == warn) {
    reply(self, "null", protocol::token_expiring_frame(st.who.exp_ms / 1000));
  } else if (s == expired) {
    st.token_expired = true;
    reply(self, "null",
          protocol::error_frame("null", protocol::code::token_expired,
                                "the token expired; send a new one"));
    at(self, now_ms() + st.access().options().expiry_grace_ms, gen,
       grace_over);
  } else if (s == grace_over && st.token_expired) {
    close_client(self, close_code::unauthorized, "token expired");
  }
}

} // namespace flux::auth_steps
