#pragma once

#include <string>

#include "core/event.hpp"

// How every source (live or simulated) and its poller stamp an event: the
// source's name as `source`, now as `ts`, and a random id that starts with
// the source's name, so ids from different sources never collide.
namespace flux {

// An event with the id "<source>-<16 hex digits>".
event make_event(const std::string& source, const std::string& room,
                 event_kind kind, std::string key, std::string data);

// A status event (stale / fresh) with the id "<source>-status-<12 hex>".
event make_status_event(const std::string& source, const std::string& room,
                        std::string data);

} // namespace flux
