#pragma once

#include <cstdint>
#include <string>

#include "core/json.hpp"

// The counters every Flux actor reports in its `status` reply. Each status
// reply is one JSON object that starts with these common fields and goes on
// with the actor's own figures; the node adds `restarts` and merges them.
namespace flux {

struct actor_counters {
  uint64_t handled = 0; // messages handled (excluding system messages)
};

template <class Self>
void write_common_status(json::writer& w, Self* self, const char* kind,
                         const std::string& name, const actor_counters& c) {
  w.kv("kind", kind);
  w.kv("name", name);
  w.kv("id", static_cast<uint64_t>(self->id()));
  w.kv("mailbox", static_cast<uint64_t>(self->mailbox().size()));
  w.kv("handled", c.handled);
}

// An actor's status reply: the common fields, then its own figures, from
// the write_status(json::writer&, const State&) beside its state.
template <class Self>
std::string status_reply(Self* self, const char* kind,
                         const std::string& name) {
  json::writer w;
  w.start_object();
  write_common_status(w, self, kind, name, self->state.counters);
  write_status(w, self->state);
  w.end_object();
  return w.take();
}

} // namespace flux
