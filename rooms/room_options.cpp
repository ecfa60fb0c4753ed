#include "rooms/room_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux {

void add_options(caf::config_option_set& set, directory_options& opts) {
  auto& room = opts.room;
  caf::config_option_adder{set, "rooms"}
    .add(room.history, "history", "recent events kept per room for resume")
    .add(room.dedup_window, "dedup-window", "event ids remembered per room")
    .add(opts.allow_dynamic, "allow-dynamic",
         "create rooms for new room names seen on the bus")
    .add(opts.max_rooms, "max-rooms", "rooms at most")
    .add(room.max_keys, "max-keys",
         "keys a stream room keeps; past it the least recently updated "
         "key is evicted (evicted_keys on /stats)")
    .add(room.max_bytes, "max-bytes",
         "bytes of keyed state a room keeps (evicting likewise)")
    .add(room.max_event_bytes, "max-event-bytes",
         "largest event (data + key) a room applies; larger ones are "
         "dropped (oversized_events on /stats); keep it well under "
         "session.queue-budget-bytes")
    .add(room.resume_ahead_tolerance, "resume-ahead-tolerance",
         "positions a resume may be ahead of the room (a lagging node "
         "catching up); further gets resumed:false, ahead_of_room");
}

void check_options(const directory_options& opts,
                   std::vector<std::string>& errors) {
  auto& room = opts.room;
  need(errors, room.history >= 1 && room.history <= 1000000,
       "rooms.history must be between 1 and 1000000");
  need(errors, opts.max_rooms >= 1, "rooms.max-rooms must be at least 1");
  need(errors, room.max_keys >= 1 && room.max_keys <= 10000000,
       "rooms.max-keys must be between 1 and 10000000");
  need(errors, room.max_bytes >= 4096, "rooms.max-bytes must be at least 4096");
  need(errors,
       room.max_event_bytes >= 256 && room.max_event_bytes <= (16u << 20),
       "rooms.max-event-bytes must be between 256 and 16777216");
  need(errors, room.resume_ahead_tolerance >= 0,
       "rooms.resume-ahead-tolerance must be at least 0");
}

} // namespace flux
