#pragma once

#include <optional>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "actors/room_core.hpp"
#include "core/actor_stats.hpp"

// One actor per room. It applies the events routed to it (dropping
// duplicates), serializes each event once and shares the bytes with every
// subscriber, and answers joins with the snapshot or the missed events.
//
// Messages:
//   (deliver_atom, event, epoch, pos)                   from the router
//   (subscribe_atom, session, epoch, pos, resume:bool)
//       -> (resumed:bool, reason, missed:int64, epoch, last_pos:int64,
//           std::vector<frame_ptr>)
//       then (frame_atom, pos:int64, frame_ptr, key) to the session per new
//       event (key: the update's key, empty for other kinds)
//   (unsubscribe_atom, session)
//   (status_atom) -> std::string JSON
namespace flux {

struct room_state {
  static inline const char* name = "room";
  std::optional<room_core> core;
  std::set<caf::actor> subscribers;
  actor_counters counters;
  uint64_t frames_out = 0;
  // Event rate over the last completed window of at least 5 s.
  int64_t window_start_ms = 0;
  uint64_t window_events = 0;
  double rate = 0;
  // Freshness: source time (event ts) to fan-out, in ms.
  int64_t freshness_last_ms = 0;
  int64_t freshness_max_ms = 0;        // over the current window
  int64_t freshness_window_max_ms = 0; // over the last completed window
};

caf::behavior room(caf::stateful_actor<room_state>* self, std::string name,
                   room_class cls, room_options opts);

} // namespace flux
