#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dedup_window.hpp"
#include "core/event.hpp"
#include "core/json.hpp"
#include "rooms/room_options.hpp"
#include "wire/frame.hpp"

// The state of one room without the actor around it, so it can be tested
// directly: the latest snapshot, a bounded ring of recent events with their
// positions, and the rules for resuming from a position.
//
// Bounds (docs/protocol.md): a stream room keeps at most max_keys keys and
// max_bytes of them, evicting the least recently updated key; an event
// whose data is over max_event_bytes is dropped (counted as oversized), so
// every frame fits a session's queue. A join whose snapshot would be larger
// than snapshot_piece_bytes gets it in pieces: a snapshot frame ("more":
// true) with the keys last updated at or before its position, then the
// other keys' latest update events in position order, up to last_pos(). A
// client that only knows snapshots and events builds the same state from
// them. A resume from more than resume_ahead_tolerance positions past the
// room's last one is refused (ahead_of_room): within it, a node that lags
// (still re-reading Kafka, or behind its cluster peer) will reach it.
namespace flux {

enum class room_class { snapshot, stream };

const char* to_string(room_class c);
bool parse_room_class(const std::string& text, room_class& out);

// What a subscriber gets when it joins.
struct join_result {
  bool resumed = false;            // true: `frames` are exactly the missed events
  std::string reason; // why not: gap_too_old, epoch_changed, ahead_of_room
  room_frames_ptr frames; // the snapshot (in pieces), or the missed events
  int64_t missed = 0;
};

class room_core {
public:
  room_core(std::string name, room_class cls, room_options opts);

  // Applies an event at a position. Returns the serialized frame to fan out,
  // or nullptr when the event is a duplicate (seen id, or a position at or
  // before the last one) and must be dropped.
  frame_ptr apply(const event& e, const std::string& epoch, int64_t pos);

  // The frame a new subscriber gets first: the latest state (data is null
  // while the room has received nothing yet), or its first piece.
  frame_ptr snapshot_frame();

  // What a join without resume gets: the snapshot, in pieces if large.
  // Built once per state and shared by every joiner until the next event.
  room_frames_ptr snapshot_frames();

  // Joining: without a resume position, the snapshot. With one in the same
  // epoch that the ring still covers, exactly the events after it.
  join_result join(const std::optional<std::pair<std::string, int64_t>>& from);

  const std::string& name() const { return name_; }
  room_class cls() const { return cls_; }
  const std::string& epoch() const { return epoch_; }
  int64_t last_pos() const { return last_pos_; }
  int64_t last_ts() const { return last_ts_; }
  size_t ring_size() const { return ring_.size(); }
  uint64_t applied() const { return applied_; }
  uint64_t duplicates() const { return duplicates_; }
  bool stale() const { return stale_; }
  size_t keys() const { return latest_by_key_.size(); }
  size_t state_bytes() const { return state_bytes_; }
  uint64_t evicted() const { return evicted_; }
  uint64_t oversized() const { return oversized_; }

private:
  // A key's latest update: its event frame (pos -1 once the epoch changed:
  // it can only travel inside a snapshot), where the data starts in it, and
  // its place in update order.
  struct keyed {
    room_frame latest;
    size_t data_at = 0;
    uint64_t seq = 0;
  };
  using key_map = std::map<std::string, keyed>;

  void set_key(const event& e, const frame_ptr& frame, int64_t pos);
  void evict_oldest();
  void write_key(json::writer& w, const key_map::value_type& k) const;

  std::string name_;
  room_class cls_;
  room_options opts_;
  dedup_window dedup_;
  std::string epoch_;
  int64_t last_pos_ = -1;
  int64_t last_ts_ = 0;
  // The ring covers every event of this room with a position > floor_.
  int64_t floor_ = -1;
  bool have_floor_ = false;
  std::deque<room_frame> ring_;
  // Latest state: the last snapshot's data, or the latest update per key,
  // with the keys in update order (oldest first) for eviction and pieces.
  std::string snapshot_data_;
  key_map latest_by_key_;
  std::map<uint64_t, key_map::iterator> by_age_;
  uint64_t next_seq_ = 0;
  size_t state_bytes_ = 0;
  uint64_t evicted_ = 0;
  uint64_t oversized_ = 0;
  room_frames_ptr cached_join_;
  bool stale_ = false;
  std::string status_data_;
  frame_ptr cached_snapshot_;
  uint64_t applied_ = 0;
  uint64_t duplicates_ = 0;
};

} // namespace flux
