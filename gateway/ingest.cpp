#include "gateway/ingest.hpp"

#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "gateway/ingest_auth.hpp"
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

const ingest_room* declared_room(const ingest_options& opts,
                                 const std::string& room) {
  for (auto& r : opts.parsed_rooms)
    if (r.name == room)
      return &r;
  return nullptr;
}

bool json_type(const std::string& content_type) {
  return content_type.empty()
         || content_type.rfind("application/json", 0) == 0;
}

// The answer for an outcome, with the challenge a 401 needs.
http::response<http::string_body>
answer(const http::request<http::string_body>& req, ingest_outcome out,
       const std::string& room) {
  if (!out.reason.empty()) // refused credentials; never the token
    log::warn("ingest", "rejected: bad credentials",
              {{"room", valid_room_name(room) ? room : "(not a room name)"},
               {"reason", out.reason},
               {"sub", out.sub.empty() ? "(unknown)" : out.sub}});
  auto res = make_response(req, out.status, std::move(out.body),
                           "application/json");
  if (out.status == http::status::unauthorized)
    res.set(http::field::www_authenticate, "Bearer realm=\"flux-ingest\"");
  return res;
}

http::response<http::string_body>
method_not_allowed(const http::request<http::string_body>& req) {
  auto res = make_response(req, http::status::method_not_allowed,
                           "{\"error\":\"use POST to ingest events\"}",
                           "application/json");
  res.set(http::field::allow, "POST");
  return res;
}

http::response<http::string_body>
too_many(const http::request<http::string_body>& req, ingest_backlog& backlog,
         size_t limit) {
  ++backlog.throttled;
  auto res = make_response(
    req, http::status::too_many_requests,
    "{\"error\":\"the event bus is behind: more than "
      + std::to_string(limit)
      + " ingested events not yet routed to their rooms "
        "(ingest.max-inflight-events); retry "
        "later\",\"accepted\":0}",
    "application/json");
  res.set(http::field::retry_after, "1");
  return res;
}

std::string room_of(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return std::string{path.substr(std::min<size_t>(path.size(), 8))};
}

} // namespace

ingest_outcome check_ingest_head(const ingest_options& opts,
                                 const std::string& room,
                                 std::string_view authorization,
                                 int64_t now_ms) {
  if (!ingest_enabled(opts))
    return problem(http::status::not_found,
                   "webhook ingest is disabled: set ingest.token or an auth.* "
                   "key (and declare ingest.rooms) to enable POST "
                   "/ingest/{room}");
  auto caller = authorize_ingest(opts, room, authorization, now_ms);
  if (caller.status != http::status::ok) {
    auto out = problem(caller.status, caller.error);
    out.reason = std::move(caller.reason);
    out.sub = std::move(caller.sub);
    return out;
  }
  if (!valid_room_name(room))
    return problem(http::status::bad_request,
                   "the path's room is not a valid room name (1-64 chars of "
                   "a-z 0-9 . _ -)"); // not echoed: it may not be UTF-8
  if (!declared_room(opts, room))
    return problem(http::status::not_found,
                   "room '" + room + "' does not accept ingest: declare it in "
                   "ingest.rooms as \"" + room + ":snapshot\" or \"" + room
                   + ":stream\"");
  ingest_outcome ok;
  ok.sub = std::move(caller.sub);
  return ok;
}

namespace {

// The body's events: one object, or a non-empty array of them.
ingest_outcome collect_items(rapidjson::Document& doc,
                             std::vector<rapidjson::Value*>& items) {
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
  return {};
}

// Event `i` of `count`: the path's room, an id, ts and source filled in
// where missing, then decoded and checked against its room's class.
ingest_outcome check_item(rapidjson::Value& v, size_t i, size_t count,
                          const std::string& room, const ingest_room& decl,
                          const ingest_options& opts,
                          rapidjson::Document::AllocatorType& alloc,
                          int64_t now, event& e) {
  auto idx = static_cast<int>(i);
  auto at = count > 1 ? "event " + std::to_string(i) + ": " : std::string{};
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
  std::string why;
  if (!decode_event(text.data(), text.size(), e, why))
    return problem(http::status::bad_request, at + why, idx);
  if (e.data.size() + e.key.size() > opts.max_event_bytes)
    return problem(http::status::payload_too_large,
                   at + "event over rooms.max-event-bytes ("
                     + std::to_string(opts.max_event_bytes)
                     + " bytes of data and key)",
                   idx);
  if (decl.cls == room_class::snapshot && e.kind == event_kind::update)
    return problem(http::status::bad_request,
                   at + "room '" + room + "' is a snapshot room: send kind "
                     "snapshot (or status), not update",
                   idx);
  if (decl.cls == room_class::stream && e.kind == event_kind::snapshot)
    return problem(http::status::bad_request,
                   at + "room '" + room + "' is a stream room: send kind "
                     "update with a key (or status)",
                   idx);
  return {};
}

std::string accepted_body(const std::string& room,
                          const std::vector<event>& events) {
  json::writer w;
  w.start_object();
  w.kv("accepted", static_cast<uint64_t>(events.size()));
  w.kv("room", room);
  w.key("ids");
  w.start_array();
  for (auto& e : events)
    w.value(e.id);
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace

ingest_outcome check_ingest(const ingest_options& opts, const std::string& room,
                            const std::string& authorization,
                            const std::string& content_type,
                            const std::string& body, int64_t now) {
  auto head = check_ingest_head(opts, room, authorization, now);
  if (head.status != http::status::ok)
    return head;
  const ingest_room* decl = declared_room(opts, room);
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
  if (auto bad = collect_items(doc, items); bad.status != http::status::ok)
    return bad;
  if (items.size() > opts.max_events)
    return problem(http::status::payload_too_large,
                   "too many events: " + std::to_string(items.size()) + " > "
                     + std::to_string(opts.max_events));
  ingest_outcome out;
  for (size_t i = 0; i < items.size(); ++i) {
    event e;
    auto item = check_item(*items[i], i, items.size(), room, *decl, opts,
                           doc.GetAllocator(), now, e);
    if (item.status != http::status::ok)
      return item;
    out.events.push_back(std::move(e));
  }
  out.status = http::status::accepted;
  out.body = accepted_body(room, out.events);
  out.sub = std::move(head.sub);
  return out;
}

std::optional<http::response<http::string_body>>
refuse_ingest_early(const ingest_options& opts, ingest_backlog& backlog,
                    const http::request<http::string_body>& req,
                    std::string_view authorization) {
  if (req.method() != http::verb::post)
    return method_not_allowed(req);
  auto room = room_of(req.target());
  auto head = check_ingest_head(opts, room, authorization, now_ms());
  if (head.status != http::status::ok)
    return answer(req, std::move(head), room);
  if (!json_type(std::string{req[http::field::content_type]}))
    return answer(req,
                  problem(http::status::unsupported_media_type,
                          "Content-Type must be application/json"),
                  room);
  if (backlog.events.load() >= static_cast<int64_t>(opts.max_inflight_events))
    return too_many(req, backlog, opts.max_inflight_events);
  return std::nullopt;
}

namespace {

struct pump_progress {
  int64_t taken = 0;    // by the bus, not yet counted off
  bool probing = false; // a request to the directory is under way
};

// Asks the directory for something cheap: its answer comes after the
// records the bus sent it before, so the events taken so far have reached
// their rooms' mailboxes by then. One probe at a time.
void probe(ingest_pump_actor::pointer self,
           const room_directory_actor& directory,
           const std::shared_ptr<ingest_backlog>& backlog,
           const std::shared_ptr<pump_progress>& p) {
  if (p->probing || p->taken == 0)
    return;
  p->probing = true;
  auto n = std::exchange(p->taken, 0);
  auto done = [self, directory, backlog, p, n] {
    backlog->events -= n;
    p->probing = false;
    probe(self, directory, backlog, p);
  };
  self->request(directory, caf::infinite, atom::list_v)
    .then([done](const std::string&) { done(); },
          [done](caf::error&) { done(); });
}

} // namespace

ingest_pump_actor::behavior_type
ingest_pump(ingest_pump_actor::pointer self, bus_actor bus,
            room_directory_actor directory,
            std::shared_ptr<ingest_backlog> backlog) {
  auto progress = std::make_shared<pump_progress>();
  return {
    [=](atom::publish, event& e) {
      auto taken = [=] {
        if (!directory) {
          --backlog->events;
          return;
        }
        ++progress->taken;
        probe(self, directory, backlog, progress);
      };
      self->request(bus, caf::infinite, atom::publish_v, std::move(e))
        .then(taken, [taken](caf::error&) { taken(); });
    },
  };
}

http::response<http::string_body>
handle_ingest(const ingest_options& opts, const ingest_pump_actor& pump,
              ingest_backlog& backlog,
              const http::request<http::string_body>& req,
              std::string_view authorization) {
  if (req.method() != http::verb::post)
    return method_not_allowed(req);
  auto room = room_of(req.target());
  auto out = check_ingest(opts, room, std::string{authorization},
                          std::string{req[http::field::content_type]},
                          req.body(), now_ms());
  if (out.status != http::status::accepted)
    return answer(req, std::move(out), room);
  if (!pump) {
    out = {};
    out.status = http::status::service_unavailable;
    out.body = "{\"error\":\"no event bus in this process\",\"accepted\":0}";
    return answer(req, std::move(out), room);
  }
  // Reserve room in the backlog first; one request alone always fits.
  auto n = static_cast<int64_t>(out.events.size());
  auto before = backlog.events.fetch_add(n);
  if (before > 0
      && before + n > static_cast<int64_t>(opts.max_inflight_events)) {
    backlog.events -= n;
    return too_many(req, backlog, opts.max_inflight_events);
  }
  for (auto& e : out.events) // in order: one sender, one receiver
    caf::anon_send(pump, atom::publish_v, std::move(e));
  log::debug("ingest", "accepted events",
             {{"room", room}, {"count", std::to_string(n)},
              {"sub", out.sub.empty() ? "(static token)" : out.sub}});
  return answer(req, std::move(out), room);
}

} // namespace flux::gateway
