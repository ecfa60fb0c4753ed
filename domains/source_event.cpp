#include "domains/source_event.hpp"

#include "core/process.hpp"

namespace flux {

namespace {

event stamped(std::string id, const std::string& source,
              const std::string& room, event_kind kind, std::string key,
              std::string data) {
  event e;
  e.id = std::move(id);
  e.room = room;
  e.kind = kind;
  e.key = std::move(key);
  e.source = source;
  e.ts = now_ms();
  e.data = std::move(data);
  return e;
}

} // namespace

event make_event(const std::string& source, const std::string& room,
                 event_kind kind, std::string key, std::string data) {
  return stamped(source + "-" + random_hex(16), source, room, kind,
                 std::move(key), std::move(data));
}

event make_status_event(const std::string& source, const std::string& room,
                        std::string data) {
  return stamped(source + "-status-" + random_hex(12), source, room,
                 event_kind::status, "", std::move(data));
}

} // namespace flux
