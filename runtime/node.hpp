#pragma once

#include <map>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"

// The node is the root of a Flux process: every long-lived actor joins it,
// it monitors them all, and it answers for the whole process: `status`
// fans out to every live actor and merges their replies (that is /stats),
// `ready` says whether the node can serve (that is /readyz), and `shutdown`
// closes every client with going-away and stops every component.
//
// The node's state is "ok" (every component healthy), "degraded" (some
// component is unhealthy but the node still serves clients, e.g. the Kafka
// broker is unreachable: snapshots and history are still served) or
// "not_ready" (a component failed, or the node is shutting down).
//
// Messages (node_actor in core/actors.hpp):
//   (join_atom, member, kind, name, restarts:int64)
//   (join_atom, session, id)   a session: closed with going-away at shutdown
//   (health_atom, component, ok:bool, reason, serving:bool)
//       a component's health changed; unhealthy means not_ready, unhealthy
//       but serving means degraded
//   (ready_atom) -> (ok:bool, std::string JSON of unhealthy components,
//                    std::string state)
//   (status_atom) -> std::string JSON {"state": ..., "problems": {...},
//                    "counts": {...}, "unresponsive": n, "actors": [...]}
//       (gathered by runtime/status_gather.hpp)
//   (shutdown_atom) -> bool, once every client was told
namespace flux {

struct node_member {
  status_actor handle;
  session_actor session; // set for sessions, which are closed, not ended
  std::string kind;
  std::string name;
  int64_t restarts = 0;
};

struct node_state {
  static inline const char* name = "node";
  std::map<caf::actor_addr, node_member> members;
  std::map<std::string, std::string> unhealthy; // component -> reason
  std::set<std::string> serving; // unhealthy components that still serve
  actor_counters counters;
  bool shutting_down = false;
};

// "ok", "degraded" or "not_ready" (see above).
const char* node_state_name(const node_state& st);

// The node's own figures in its status reply (the node's own entry in
// /stats; `restarts` is always 0, like the node's view of the others').
void write_status(json::writer& w, const node_state& st);

node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self);

} // namespace flux
