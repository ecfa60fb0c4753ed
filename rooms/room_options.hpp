#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The rooms.* section: each room's bounds (room_options, see room_core) and
// the directory's (directory_options, see room_directory).
namespace flux {

struct room_options {
  size_t history = 256;     // events kept in the ring
  size_t dedup_window = 4096;
  size_t max_keys = 10000;          // keys of a stream room
  size_t max_bytes = 16u << 20;     // a stream room's state (frames + keys)
  size_t max_event_bytes = 128u << 10; // an event's data + key
  size_t snapshot_piece_bytes = 256u << 10; // first snapshot frame of a join
  int64_t resume_ahead_tolerance = 100; // positions a resume may be ahead
};

struct directory_options {
  room_options room;
  bool allow_dynamic = true; // rooms for new names seen on the bus
  size_t max_rooms = 10000;
  std::string topic = "flux.events"; // bus.topic
  std::string group = "flux-gateway"; // bus.group
};

void add_options(caf::config_option_set& set, directory_options& opts);
void check_options(const directory_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
