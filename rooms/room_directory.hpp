#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "rooms/room_core.hpp"
#include "runtime/restart_policy.hpp"

// The room directory is the event bus's consumer and the rooms' supervisor.
// It subscribes to the bus, decodes each record (skipping and counting
// malformed ones), routes it to the room named in it with its position, and
// commits an offset only once the room has applied every event before it
// (at-least-once). Until then it keeps the event, so a room that dies with
// events in its mailbox gets them again from its restarted successor.
// It creates the configured rooms at start, creates rooms for new names on
// demand (when allowed), and restarts a room that dies.
//
// Messages (room_directory_actor in core/actors.hpp):
//   (deliver_atom, epoch, partition:int32, offset:int64, value)  from the bus
//   (forwarded_atom, epoch, partition, offset, value)  a record another
//       cluster node consumed: applied to its room, never committed here
//   (forward_atom, cluster)  clustered: hand every record consumed here to
//       the cluster actor, which forwards it to the other nodes
//   (commit_atom, partition:int32, offset:int64)  from a room: applied
//   (subscribe_atom, room, session, epoch, pos, resume)  delegated to the room
//       -> the room's join reply, or error "unknown_room"
//   (list_atom) -> std::string JSON array of {name, class}
//   (status_atom) -> std::string JSON
namespace flux {

struct room_decl {
  std::string name;
  room_class cls = room_class::snapshot;
};

struct room_entry {
  room_actor handle;
  room_class cls;
  restart_policy policy;
  bool failed = false;
};

// An event handed to a room and not yet applied by it.
struct in_flight_event {
  std::string epoch;
  event e; // its room: e.room
};

// Per partition: what is handed to rooms and not yet applied, and how far
// the partition has been read; the commit is the lowest unapplied offset.
struct partition_progress {
  std::map<int64_t, in_flight_event> in_flight; // offset -> event
  int64_t next = -1;      // offset after the last record read
  int64_t committed = -1; // last offset sent as a commit
};

struct room_directory_state {
  static inline const char* name = "room_directory";
  directory_options opts;
  bus_actor bus;
  node_actor node;
  std::map<std::string, room_entry> rooms;
  std::map<int32_t, partition_progress> partitions;
  // Forwarded records handed to rooms and not yet applied, per partition:
  // only for redelivery to a restarted room (another node commits them).
  std::map<int32_t, std::map<int64_t, in_flight_event>> forwarded;
  std::set<std::string> logged_malformed;     // reasons already logged
  actor_counters counters;
  uint64_t delivered = 0;
  uint64_t malformed = 0;
  uint64_t rejected_rooms = 0;
  uint64_t redelivered = 0;     // re-sent to a restarted room
  uint64_t dropped_failed = 0;  // in flight to a room that gave up
  uint64_t forwarded_out = 0;   // own records handed to the cluster
  uint64_t forwarded_in = 0;    // records other nodes consumed
  forward_actor cluster;        // set when clustered (cluster/cluster.hpp)
  bool subscribed = false;
};

// The directory's own figures in its status reply.
void write_status(json::writer& w, const room_directory_state& st);

room_directory_actor::behavior_type room_directory(
  room_directory_actor::stateful_pointer<room_directory_state> self,
  std::vector<room_decl> rooms, directory_options opts, bus_actor bus,
  node_actor node);

} // namespace flux
