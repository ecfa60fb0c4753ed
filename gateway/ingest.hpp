#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/all.hpp>

#include "core/event.hpp"
#include "gateway/beast.hpp"
#include "gateway/ingest_options.hpp"
#include "rooms/room_core.hpp"

// Webhook ingest: POST /ingest/{room} with one event or an array of events
// in the record format of docs/events.md, for feeds Flux has no connector
// for. `room` may be left out of an event (it defaults to the path's room);
// `id` and `ts` may be left out too (a random id, the arrival time), though
// producers that retry should send ids so the rooms deduplicate them.
//
// - Authentication: `Authorization: Bearer <ingest.token>`, or a JWT whose
//   `ingest` claim covers the room (gateway/ingest_auth.hpp). With neither a
//   static token nor an auth.* key the endpoint is disabled (404 saying so).
// - Only rooms declared in `ingest.rooms` ("name:snapshot", "name:stream")
//   accept events: a snapshot room takes snapshot and status events, a
//   stream room update (with key) and status events.
// - All or nothing: every event is validated before any is published; the
//   first problem is answered with a 4xx naming the item and the reason.
// - 202 {"accepted":N,"room":…,"ids":[…]} once the events are handed to the
//   event bus with (publish_atom, event).
// - The method, the token and the room are checked as soon as the headers
//   arrive (check_ingest_head): a refused request's body is never buffered.
// - Backpressure: at most `max_inflight_events` events handed to the bus and
//   not yet routed on to their rooms (ingest_pump). Over it: 429 with
//   Retry-After, before the body is read when the backlog is already full,
//   so a flood cannot queue up ahead of the rooms, /stats and subscribers.
namespace flux::gateway {

// "ops.incidents:snapshot" / "ops.metrics:stream" (class defaults to
// snapshot when left out).
bool parse_ingest_room(const std::string& spec, ingest_room& out,
                       std::string& why);

struct ingest_backlog {
  std::atomic<int64_t> events{0}; // not yet routed to their rooms
  std::atomic<uint64_t> throttled{0}; // requests answered 429
};

struct ingest_outcome {
  http::status status = http::status::ok;
  std::string body;                // JSON answer
  std::vector<event> events;       // to publish (empty unless 202)
  std::string reason;              // refused credentials: why, for the log
  std::string sub;                 // the JWT's subject, when there is one
};

// What the headers alone decide: the token (`authorization` as sent, exactly
// "Bearer <token>", gateway/bearer.hpp) and the room. status ok when the
// body may be read. `now_ms` for a JWT's exp and nbf.
ingest_outcome check_ingest_head(const ingest_options& opts,
                                 const std::string& room,
                                 std::string_view authorization,
                                 int64_t now_ms);

// Answers a request to /ingest/… that is refused on its headers (method,
// token, room, content type, a full backlog), or nothing when its body may
// be read. `authorization` is the header's raw value (http_session keeps it
// before Beast trims it).
std::optional<http::response<http::string_body>>
refuse_ingest_early(const ingest_options& opts, ingest_backlog& backlog,
                    const http::request<http::string_body>& req,
                    std::string_view authorization);

// Validates one request without side effects (`now`: ms, for ts and a
// JWT's expiry).
ingest_outcome check_ingest(const ingest_options& opts, const std::string& room,
                            const std::string& authorization,
                            const std::string& content_type,
                            const std::string& body, int64_t now);

// Hands ingested events to the bus in the order they arrive, one request
// each, and counts them off `backlog` once the bus has taken them and the
// room directory has routed them to their rooms (a request to the
// directory queued behind them answers).
//   (publish_atom, event)  from handle_ingest
ingest_pump_actor::behavior_type
ingest_pump(ingest_pump_actor::pointer self, bus_actor bus,
            room_directory_actor directory,
            std::shared_ptr<ingest_backlog> backlog);

// Answers POST /ingest/{room}: validates, publishes through `pump` (counted
// in `backlog` until the bus has taken the events), and returns the
// response. `authorization` as for refuse_ingest_early.
http::response<http::string_body>
handle_ingest(const ingest_options& opts, const ingest_pump_actor& pump,
              ingest_backlog& backlog,
              const http::request<http::string_body>& req,
              std::string_view authorization);

} // namespace flux::gateway
