#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/restart_policy.hpp"

// A supervisor starts its children, links and monitors them, and restarts a
// child that dies abnormally after an exponential backoff, up to a
// restart-intensity limit; past it the child is marked failed and the node
// is told (the node then reports itself not ready).
//
// Messages (supervisor_actor in core/actors.hpp):
//   (status_atom)            -> std::string JSON: children and their restarts
//   (restart_atom, name)     internal, from the backoff timer
//   down_msg / exit_msg      from children
namespace flux {

struct supervised_child {
  child_spec spec;
  status_actor handle;
  restart_policy policy;
  std::string state = "running"; // running | restarting | failed
  std::string last_error;
};

struct supervisor_state {
  static inline const char* name = "supervisor";
  std::string id;
  node_actor node;
  std::map<std::string, supervised_child> children;
  std::set<caf::actor_addr> linked; // children whose exit we still expect
  actor_counters counters;
};

// The supervisor's own figures in its status reply: its children.
void write_status(json::writer& w, const supervisor_state& st);

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           std::string id, std::vector<child_spec> specs,
           restart_limits limits, node_actor node);

} // namespace flux
