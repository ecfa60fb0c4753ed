#pragma once

#include <string>

#include "gateway/context.hpp"

// /metrics: the node's status document (every actor's status, as /stats has
// it) as Prometheus text, with the gateway's own counters.
namespace flux::gateway {

// Every numeric field of every actor's status as a gauge named
// flux_<kind>_<field>, labelled by actor name; sessions are many, so they
// are summed into one series per field instead of one per client.
std::string prometheus(const std::string& status, const context& ctx);

} // namespace flux::gateway
