#include "core/event.hpp"

#include "core/json.hpp"

namespace flux {

const char* to_string(event_kind k) {
  switch (k) {
    case event_kind::snapshot: return "snapshot";
    case event_kind::update: return "update";
    case event_kind::status: return "status";
  }
  return "snapshot";
}

bool parse_kind(const std::string& text, event_kind& out) {
  if (text == "snapshot") out = event_kind::snapshot;
  else if (text == "update") out = event_kind::update;
  else if (text == "status") out = event_kind::status;
  else return false;
  return true;
}

std::string encode_event(const event& e) {
  json::writer w;
  w.start_object();
  w.kv("id", e.id);
  w.kv("room", e.room);
  w.kv("kind", to_string(e.kind));
  if (!e.key.empty())
    w.kv("key", e.key);
  w.kv("source", e.source);
  w.kv("ts", e.ts);
  w.kv_raw("data", e.data.empty() ? std::string_view{"null"} : e.data);
  w.end_object();
  return w.take();
}

bool valid_room_name(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
           || c == '_' || c == '-';
  };
  for (char c : name)
    if (!ok(c))
      return false;
  return name[0] != '.' && name[0] != '_' && name[0] != '-';
}

namespace {

// json::parse's reason without its offset: the room directory logs each
// distinct reason once, so the set of reasons must stay small.
std::string kind_of_problem(const std::string& why) {
  if (why.rfind("invalid JSON at offset", 0) == 0)
    return "invalid JSON"; // a syntax error
  auto at = why.find(" at offset ");
  return at == std::string::npos ? why : why.substr(0, at);
}

} // namespace

bool decode_event(const char* data, size_t size, event& out, std::string& why) {
  rapidjson::Document doc;
  if (!json::parse(doc, {data, size}, why)) {
    why = kind_of_problem(why);
    return false;
  }
  if (!doc.IsObject()) {
    why = "record is not a JSON object";
    return false;
  }
  if (!json::get(doc, "id", out.id) || out.id.empty() || out.id.size() > 128) {
    why = "missing or invalid field 'id'";
    return false;
  }
  if (!json::get(doc, "room", out.room) || !valid_room_name(out.room)) {
    why = "missing or invalid field 'room'";
    return false;
  }
  std::string kind;
  out.kind = event_kind::snapshot;
  if (doc.HasMember("kind")
      && (!json::get(doc, "kind", kind) || !parse_kind(kind, out.kind))) {
    why = "field 'kind' must be snapshot, update or status";
    return false;
  }
  out.key.clear();
  json::get(doc, "key", out.key);
  if (out.kind == event_kind::update && out.key.empty()) {
    why = "an update needs field 'key'";
    return false;
  }
  out.source.clear();
  json::get(doc, "source", out.source);
  if (!json::get(doc, "ts", out.ts) || out.ts < 0) {
    why = "missing or invalid field 'ts' (ms since epoch)";
    return false;
  }
  auto it = doc.FindMember("data");
  if (it == doc.MemberEnd()) {
    why = "missing field 'data'";
    return false;
  }
  out.data = json::to_string(it->value);
  return true;
}

} // namespace flux
