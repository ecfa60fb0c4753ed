#pragma once

#include <functional>
#include <string>

#include <caf/all.hpp>

#include "core/actors.hpp"

// How a supervisor starts one child, and starts it again after a crash.
// Components that are supervised (pollers, the Kafka bus's actors) hand
// their specs up without depending on the supervisor itself.
namespace flux {

struct child_spec {
  std::string name; // unique within the supervisor, e.g. "weather.london"
  std::string kind; // e.g. "poller"
  // Spawns the child from the supervisor (`parent`); every child answers
  // status, so the node can list it.
  std::function<status_actor(caf::local_actor* parent)> start;
};

} // namespace flux
