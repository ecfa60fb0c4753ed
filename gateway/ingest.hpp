#pragma once

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/room_core.hpp"
#include "core/event.hpp"
#include "gateway/beast.hpp"

// Webhook ingest: POST /ingest/{room} with one event or an array of events
// in the record format of docs/events.md, for feeds Flux has no connector
// for. `room` may be left out of an event (it defaults to the path's room);
// `id` and `ts` may be left out too (a random id, the arrival time), though
// producers that retry should send ids so the rooms deduplicate them.
//
// - Authentication: `Authorization: Bearer <ingest.token>`. With no token
//   configured the endpoint is disabled (404 saying so).
// - Only rooms declared in `ingest.rooms` ("name:snapshot", "name:stream")
//   accept events: a snapshot room takes snapshot and status events, a
//   stream room update (with key) and status events.
// - All or nothing: every event is validated before any is published; the
//   first problem is answered with a 4xx naming the item and the reason.
// - 202 {"accepted":N,"room":…,"ids":[…]} once the events are handed to the
//   event bus with (publish_atom, event).
namespace flux::gateway {

struct ingest_room {
  std::string name;
  room_class cls = room_class::snapshot;
};

// "ops.incidents:snapshot" / "ops.metrics:stream" (class defaults to
// snapshot when left out).
bool parse_ingest_room(const std::string& spec, ingest_room& out,
                       std::string& why);

struct ingest_options {
  std::string token;
  size_t max_body_bytes = 1 << 20;
  size_t max_events = 1000;
  std::vector<ingest_room> rooms;
  caf::actor bus;
};

struct ingest_outcome {
  http::status status = http::status::ok;
  std::string body;                // JSON answer
  std::vector<event> events;       // to publish (empty unless 202)
};

// Validates one request without side effects.
ingest_outcome check_ingest(const ingest_options& opts, const std::string& room,
                            const std::string& authorization,
                            const std::string& content_type,
                            const std::string& body, int64_t now);

// Answers POST /ingest/{room}: validates, publishes to `opts.bus`, and
// returns the response.
http::response<http::string_body>
handle_ingest(const ingest_options& opts,
              const http::request<http::string_body>& req,
              const std::string& room);

} // namespace flux::gateway
