#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dedup_window.hpp"
#include "core/event.hpp"

// The state of one room without the actor around it, so it can be tested
// directly: the latest snapshot, a bounded ring of recent events with their
// positions, and the rules for resuming from a position.
namespace flux {

enum class room_class { snapshot, stream };

const char* to_string(room_class c);
bool parse_room_class(const std::string& text, room_class& out);

struct room_options {
  size_t history = 256;     // events kept in the ring
  size_t dedup_window = 4096;
};

// What a subscriber gets when it joins.
struct join_result {
  bool resumed = false;            // true: `frames` are exactly the missed events
  std::string reason;              // why not resumed: gap_too_old, epoch_changed
  std::vector<frame_ptr> frames;   // the snapshot, or the missed events
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
  // while the room has received nothing yet).
  frame_ptr snapshot_frame();

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

private:
  struct entry {
    int64_t pos;
    frame_ptr frame;
  };

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
  std::deque<entry> ring_;
  // Latest state: the last snapshot's data, or the latest update per key.
  std::string snapshot_data_;
  std::map<std::string, std::string> latest_by_key_;
  bool stale_ = false;
  std::string status_data_;
  frame_ptr cached_snapshot_;
  uint64_t applied_ = 0;
  uint64_t duplicates_ = 0;
};

} // namespace flux
