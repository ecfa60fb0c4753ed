#include "gateway/ingest.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"
#include "core/type_ids.hpp"
#include "gateway/routes.hpp"

namespace flux::gateway {

bool parse_ingest_room(const std::string& spec, ingest_room& out,
                       std::string& why) {
  auto colon = spec.rfind(':');
  out.name = spec.substr(0, colon);
  out.cls = room_class::snapshot;
  if (colon != std::string::npos
      && !parse_room_class(spec.substr(colon + 1), out.cls)) {
    why = "'" + spec + "': the class must be snapshot or stream";
    return false;
  }
  if (!valid_room_name(out.name)) {
    why = "'" + out.name + "' is not a valid room name (1-64 chars of a-z 0-9 "
          ". _ -, starting with a letter or digit)";
    return false;
  }
  return true;
}

namespace {

ingest_outcome problem(http::status status, const std::string& message,
                       int index = -1) {
  ingest_outcome out;
  out.status = status;
  json::writer w;
  w.start_object();
  w.kv("error", message);
  if (index >= 0)
    w.kv("index", index);
  w.kv("accepted", 0);
  w.end_object();
  out.body = w.take();
  return out;
}

} // namespace

ingest_outcome check_ingest(const ingest_options& opts, const std::string& room,
                            const std::string& authorization,
                            const std::string& content_type,
                            const std::string& body, int64_t now) {
  if (opts.token.empty())
    return problem(http::status::not_found,
                   "webhook ingest is disabled: set ingest.token (and "
                   "declare ingest.rooms) to enable POST /ingest/{room}");
  if (authorization.empty())
    return problem(http::status::unauthorized,
                   "missing Authorization: Bearer <token>");
  const std::string prefix = "Bearer ";
  if (authorization.compare(0, prefix.size(), prefix) != 0
      || !same_secret(authorization.substr(prefix.size()), opts.token))
    return problem(http::status::forbidden, "wrong ingest token");
  if (!valid_room_name(room))
    return problem(http::status::bad_request,
                   "'" + room + "' is not a valid room name");
  const ingest_room* decl = nullptr;
  for (auto& r : opts.rooms)
    if (r.name == room)
      decl = &r;
  if (!decl)
    return problem(http::status::not_found,
                   "room '" + room + "' does not accept ingest: declare it in "
                   "ingest.rooms as \"" + room + ":snapshot\" or \"" + room
                   + ":stream\"");
  if (!content_type.empty()
      && content_type.rfind("application/json", 0) != 0)
    return problem(http::status::unsupported_media_type,
                   "Content-Type must be application/json");
  if (body.size() > opts.max_body_bytes)
    return problem(http::status::payload_too_large,
                   "body over " + std::to_string(opts.max_body_bytes)
                     + " bytes");
  rapidjson::Document doc;
  std::string why;
  if (!json::parse(doc, body, why))
    return problem(http::status::bad_request, why);
  std::vector<rapidjson::Value*> items;
  if (doc.IsArray()) {
    for (auto& v : doc.GetArray())
      items.push_back(&v);
    if (items.empty())
      return problem(http::status::bad_request, "empty array: no events");
  } else if (doc.IsObject()) {
    items.push_back(&doc);
  } else {
    return problem(http::status::bad_request,
                   "the body must be an event object or an array of events");
  }
  if (items.size() > opts.max_events)
    return problem(http::status::payload_too_large,
                   "too many events: " + std::to_string(items.size()) + " > "
                     + std::to_string(opts.max_events));
  ingest_outcome out;
  auto& alloc = doc.GetAllocator();
  for (size_t i = 0; i < items.size(); ++i) {
    auto& v = *items[i];
    auto idx = static_cast<int>(i);
    auto at = items.size() > 1 ? "event " + std::to_string(i) + ": "
                               : std::string{};
    if (!v.IsObject())
      return problem(http::status::bad_request, at + "not a JSON object", idx);
    auto r = v.FindMember("room");
    if (r == v.MemberEnd()) {
      v.AddMember("room", rapidjson::Value{room.c_str(), alloc}, alloc);
    } else if (!r->value.IsString()
               || std::string{r->value.GetString()} != room) {
      return problem(http::status::bad_request,
                     at + "room " + json::to_string(r->value)
                       + " differs from the path's room '" + room + "'",
                     idx);
    }
    if (!v.HasMember("id"))
      v.AddMember("id", rapidjson::Value{("ingest-" + random_hex(16)).c_str(),
                                         alloc},
                  alloc);
    if (!v.HasMember("ts"))
      v.AddMember("ts", rapidjson::Value{static_cast<int64_t>(now)}, alloc);
    if (!v.HasMember("source"))
      v.AddMember("source", "ingest", alloc);
    auto text = json::to_string(v);
    event e;
    std::string why;
    if (!decode_event(text.data(), text.size(), e, why))
      return problem(http::status::bad_request, at + why, idx);
    if (decl->cls == room_class::snapshot && e.kind == event_kind::update)
      return problem(http::status::bad_request,
                     at + "room '" + room + "' is a snapshot room: send kind "
                       "snapshot (or status), not update",
                     idx);
    if (decl->cls == room_class::stream && e.kind == event_kind::snapshot)
      return problem(http::status::bad_request,
                     at + "room '" + room + "' is a stream room: send kind "
                       "update with a key (or status)",
                     idx);
    out.events.push_back(std::move(e));
  }
  json::writer w;
  w.start_object();
  w.kv("accepted", static_cast<uint64_t>(out.events.size()));
  w.kv("room", room);
  w.key("ids");
  w.start_array();
  for (auto& e : out.events)
    w.value(e.id);
  w.end_array();
  w.end_object();
  out.status = http::status::accepted;
  out.body = w.take();
  return out;
}

http::response<http::string_body>
handle_ingest(const ingest_options& opts,
              const http::request<http::string_body>& req,
              const std::string& room) {
  if (req.method() != http::verb::post) {
    auto res = make_response(req, http::status::method_not_allowed,
                             "{\"error\":\"use POST to ingest events\"}",
                             "application/json");
    res.set(http::field::allow, "POST");
    return res;
  }
  auto out = check_ingest(opts, room,
                          std::string{req[http::field::authorization]},
                          std::string{req[http::field::content_type]},
                          req.body(), now_ms());
  if (out.status == http::status::accepted) {
    if (!opts.bus) {
      out = {};
      out.status = http::status::service_unavailable;
      out.body = "{\"error\":\"no event bus in this process\",\"accepted\":0}";
    } else {
      for (auto& e : out.events) // in order: one sender, one receiver
        caf::anon_send(opts.bus, atom::publish_v, std::move(e));
      log::debug("ingest", "accepted events", {{"room", room},
                  {"count", std::to_string(out.events.size())}});
    }
  } else if (out.status == http::status::unauthorized
             || out.status == http::status::forbidden) {
    log::warn("ingest", "rejected: bad credentials", {{"room", room}});
  }
  auto res = make_response(req, out.status, std::move(out.body),
                           "application/json");
  if (out.status == http::status::unauthorized)
    res.set(http::field::www_authenticate, "Bearer realm=\"flux-ingest\"");
  return res;
}

} // namespace flux::gateway
