#include "wire/protocol.hpp"

#include "core/json.hpp"
#include "core/utf8.hpp"

namespace flux::protocol {

namespace {

bool read_id(const rapidjson::Value& doc, std::string& out) {
  auto it = doc.FindMember("id");
  if (it == doc.MemberEnd()) {
    out = "null";
    return true;
  }
  auto& v = it->value;
  if (v.IsInt64() || (v.IsString() && v.GetStringLength() <= 64)) {
    out = json::to_string(v);
    return true;
  }
  return false;
}

void start_frame(json::writer& w, const char* type, const std::string& id) {
  w.start_object();
  w.kv("type", type);
  w.kv_raw("id", id);
}

} // namespace

bool parse(std::string_view text, request& out, const char*& err_code,
           std::string& err_message) {
  rapidjson::Document doc;
  if (!json::parse(doc, text, err_message)) {
    err_code = code::bad_json;
    return false;
  }
  if (!doc.IsObject()) {
    err_code = code::bad_request;
    err_message = "a request must be a JSON object";
    return false;
  }
  if (!read_id(doc, out.id)) {
    err_code = code::bad_request;
    err_message = "'id' must be an integer or a string of at most 64 chars";
    return false;
  }
  std::string name;
  if (!json::get(doc, "op", name)) {
    err_code = code::bad_request;
    err_message = "missing string field 'op'";
    return false;
  }
  if (name == "subscribe") out.kind = op::subscribe;
  else if (name == "unsubscribe") out.kind = op::unsubscribe;
  else if (name == "ping") out.kind = op::ping;
  else if (name == "rooms") out.kind = op::rooms;
  else if (name == "auth") out.kind = op::auth;
  else {
    err_code = code::unknown_op;
    err_message = "unknown op '" + std::string{utf8_prefix(name, 32)} + "'";
    return false;
  }
  if (out.kind == op::subscribe || out.kind == op::unsubscribe) {
    if (!json::get(doc, "room", out.room) || !valid_room_name(out.room)) {
      err_code = code::bad_request;
      err_message = "missing or invalid 'room'";
      return false;
    }
  }
  if (out.kind == op::auth && !json::get(doc, "token", out.token)) {
    err_code = code::bad_request;
    err_message = "missing string field 'token'";
    return false;
  }
  if (out.kind == op::subscribe) {
    auto it = doc.FindMember("resume");
    if (it != doc.MemberEnd() && !it->value.IsNull()) {
      auto& r = it->value;
      if (!r.IsObject() || !json::get(r, "epoch", out.epoch)
          || !json::get(r, "pos", out.pos) || out.pos < -1) {
        err_code = code::bad_request;
        err_message = "'resume' must be {\"epoch\": string, \"pos\": integer}";
        return false;
      }
      out.resume = true;
    }
  }
  return true;
}

std::string hello_frame(const std::string& session, size_t max_frame_bytes,
                        int64_t heartbeat_ms, std::string_view auth) {
  json::writer w;
  w.start_object();
  w.kv("type", "hello");
  w.kv("protocol", version);
  w.kv("session", session);
  w.kv("max_frame", static_cast<uint64_t>(max_frame_bytes));
  w.kv("heartbeat_ms", heartbeat_ms);
  w.kv("auth", auth);
  w.end_object();
  return w.take();
}

namespace {

void write_list(json::writer& w, const char* key,
                const std::vector<std::string>& list) {
  w.key(key);
  w.start_array();
  for (auto& s : list)
    w.value(s);
  w.end_array();
}

} // namespace

std::string authed_frame(const std::string& id, const std::string& sub,
                         int64_t exp_s, const std::vector<std::string>& rooms,
                         const std::vector<std::string>& anonymous_rooms) {
  json::writer w;
  start_frame(w, "authed", id);
  w.kv("sub", sub);
  w.kv("exp", exp_s);
  write_list(w, "rooms", rooms);
  write_list(w, "anonymous_rooms", anonymous_rooms);
  w.end_object();
  return w.take();
}

std::string token_expiring_frame(int64_t exp_s) {
  json::writer w;
  w.start_object();
  w.kv("type", "token_expiring");
  w.kv("exp", exp_s);
  w.end_object();
  return w.take();
}

std::string error_frame(const std::string& id, const char* code,
                        std::string_view message, std::string_view room) {
  json::writer w;
  start_frame(w, "error", id);
  w.kv("code", code);
  w.kv("message", message);
  if (!room.empty())
    w.kv("room", room);
  w.end_object();
  return w.take();
}

std::string subscribed_frame(const std::string& id, const std::string& room,
                             const std::string& epoch, int64_t pos,
                             bool resumed, const std::string& reason,
                             int64_t missed) {
  json::writer w;
  start_frame(w, "subscribed", id);
  w.kv("room", room);
  w.kv("epoch", epoch);
  w.kv("pos", pos);
  w.kv("resumed", resumed);
  if (reason.empty())
    w.kv_raw("reason", "null");
  else
    w.kv("reason", reason);
  w.kv("missed", missed);
  w.end_object();
  return w.take();
}

std::string unsubscribed_frame(const std::string& id, const std::string& room) {
  json::writer w;
  start_frame(w, "unsubscribed", id);
  w.kv("room", room);
  w.end_object();
  return w.take();
}

std::string pong_frame(const std::string& id, int64_t server_ms) {
  json::writer w;
  start_frame(w, "pong", id);
  w.kv("ts", server_ms);
  w.end_object();
  return w.take();
}

std::string rooms_frame(const std::string& id, const std::string& rooms_json) {
  json::writer w;
  start_frame(w, "rooms", id);
  w.kv_raw("rooms", rooms_json);
  w.end_object();
  return w.take();
}

} // namespace flux::protocol
