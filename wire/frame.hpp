#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/fwd.hpp"

// What a room hands its subscribers: each event serialized once as a native
// frame, shared by every subscriber, and the bursts those frames travel in.
namespace flux {

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
