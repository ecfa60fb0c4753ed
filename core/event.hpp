#pragma once

#include <cstdint>
#include <string>

// The event schema every source produces and every room consumes. Its JSON
// form (documented in docs/events.md) is what travels through the event log
// or Kafka, keyed by room so a room's events stay on one partition in order.
namespace flux {

enum class event_kind : uint8_t {
  snapshot, // replaces the room's whole state (top news, a city's weather)
  update,   // a keyed change merged into the room's state (a ticker tick)
  status,   // source health for the room (stale / recovered)
};

const char* to_string(event_kind k);
bool parse_kind(const std::string& text, event_kind& out);

struct event {
  std::string id;     // unique per event; the dedup key
  std::string room;   // e.g. "weather.london"
  event_kind kind = event_kind::snapshot;
  std::string key;    // for updates: what it updates (e.g. "BTC-USD")
  std::string source; // producing source, e.g. "sim.crypto"
  int64_t ts = 0;     // source time, ms since the Unix epoch
  std::string data;   // the payload: one JSON value, already serialized
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(x.id, x.room, x.kind, x.key, x.source, x.ts, x.data);
}

// Serializes to the documented JSON record format.
std::string encode_event(const event& e);

// Parses (json::parse) and validates a JSON record. On failure returns false
// and sets `why` to a short reason from a small set, without offsets.
bool decode_event(const char* data, size_t size, event& out, std::string& why);

// Room names: 1-64 chars of [a-z0-9._-], starting with a letter or digit.
bool valid_room_name(const std::string& name);

} // namespace flux
