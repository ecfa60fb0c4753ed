#pragma once

#include <optional>
#include <map>
#include <string>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "rooms/room_core.hpp"
#include "sessions/client_socket.hpp"

// One actor per room. It applies the events routed to it (dropping
// duplicates), serializes each event once and shares the bytes with every
// subscriber, and answers joins with the snapshot or the missed events.
// Events that arrive in a burst (already queued in its mailbox) go to each
// subscriber as one message: under load a subscriber costs one actor
// message per burst, not one per event. A subscriber that keeps up costs no
// message at all: the room queues the burst's shared batch into its socket
// (fanout_link); one that falls behind goes back to its session actor,
// which conflates.
//
// Messages (room_actor in core/actors.hpp):
//   (deliver_atom, event, epoch, pos, partition:int32)  from the directory;
//       (commit_atom, partition, pos) goes back to it once applied
//   (subscribe_atom, session, epoch, pos, resume:bool)
//       -> (resumed:bool, reason, missed:int64, epoch, last_pos:int64,
//           room_frames_ptr: the snapshot, in pieces, or the missed events)
//       then (burst_atom, room_burst) to the session per burst of new
//       events, in position order
//   (direct_atom, fanout_link_ptr, seq:uint64, limit:uint64)  from a
//       session that handled every burst up to `seq`: later bursts go
//       through the link while its queue stays under `limit` bytes
//   (unsubscribe_atom, session)
//   (flush_atom)                                        internal
//   (status_atom) -> std::string JSON
namespace flux {

// A subscriber as the room sees it: bursts go to the session actor, or,
// once the session has asked for it and has no burst of the room still to
// handle, straight into its socket's queue through the link.
struct room_subscriber {
  fanout_link_ptr link;
  size_t direct_limit = 0; // queue bytes above which bursts go to the actor
  bool direct = false;
  uint64_t routed_seq = 0; // last burst sent to the session actor
};

struct room_state {
  static inline const char* name = "room";
  std::optional<room_core> core;
  commit_actor directory; // told what is applied; none in some tests
  std::map<session_actor, room_subscriber> subscribers;
  actor_counters counters;
  uint64_t frames_out = 0;
  uint64_t fanout_messages = 0; // messages to subscribers (one per burst)
  uint64_t direct_bursts = 0;   // bursts queued straight into sockets
  uint64_t direct_fallbacks = 0; // direct subscribers handed back to actors
  uint64_t burst_seq = 0;
  // Frames applied but not yet sent; a flush message to itself sends them
  // once the events already queued behind this one are applied too.
  room_frames pending;
  bool flush_scheduled = false;
  // Event rate over the last completed window of at least 5 s.
  int64_t window_start_ms = 0;
  uint64_t window_events = 0;
  double rate = 0;
  // Freshness: source time (event ts) to fan-out, in ms.
  int64_t freshness_last_ms = 0;
  int64_t freshness_max_ms = 0;        // over the current window
  int64_t freshness_window_max_ms = 0; // over the last completed window
};

// The room's own figures in its status reply.
void write_status(json::writer& w, const room_state& st);

room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               std::string name, room_class cls,
                               room_options opts, commit_actor directory);

} // namespace flux
