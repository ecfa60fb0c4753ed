#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// A serialized frame shared by every subscriber: built once, never copied.
using frame_ptr = std::shared_ptr<const std::string>;

inline frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// A frame re-encoded for another wire format (Socket.IO) the first time a
// subscriber on that format needs it, then shared by all of them.
struct lazy_frame {
  std::once_flag once;
  frame_ptr frame;
};

// One event of a room as its subscribers get it: position, the shared
// frame, and the update's key (empty for other kinds) for conflation.
struct room_frame {
  int64_t pos = -1;
  frame_ptr frame;
  std::string key;
  std::shared_ptr<lazy_frame> socketio = std::make_shared<lazy_frame>();
};

using room_frames = std::vector<room_frame>;
// Frames built once and shared read-only, e.g. a room's snapshot pieces
// held by every session still delivering them.
using room_frames_ptr = std::shared_ptr<const room_frames>;

// What a room sends each subscriber: the frames of one burst, in order,
// and the whole burst as one native message (the frame itself when there is
// one, else the batch `[f1,f2,…]`), built once: a subscriber that keeps up
// queues that one shared message, whatever the burst's size.
struct room_burst {
  room_frames frames;
  frame_ptr batch;
  uint64_t seq = 0; // the room's count of bursts, this one included
};

// Builds the burst's batch message.
room_burst make_burst(room_frames frames);

// Appends a frame to a batch being built as "[f1,f2,…]" (the caller writes
// the brackets; `batch` starts with '['). A frame that is a batch already
// has its elements spliced in.
void append_to_batch(std::string& batch, const std::string& frame);

} // namespace flux
