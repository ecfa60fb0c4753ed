#pragma once

#include <memory>
#include <string>
#include <vector>

// Names of the types that travel in actor messages, for the layers that pass
// them on without looking inside (core/type_ids.hpp, core/actors.hpp). Each
// is defined by its own layer: frames and bursts in wire/frame.hpp, the
// fan-out link in sessions/client_socket.hpp.
namespace flux {

struct event;
struct room_frame;
struct room_burst;
struct fanout_link;

// A serialized frame shared by every subscriber: built once, never copied.
using frame_ptr = std::shared_ptr<const std::string>;
using room_frames = std::vector<room_frame>;
// Frames built once and shared read-only, e.g. a room's snapshot pieces
// held by every session still delivering them.
using room_frames_ptr = std::shared_ptr<const room_frames>;
using fanout_link_ptr = std::shared_ptr<fanout_link>;

} // namespace flux
