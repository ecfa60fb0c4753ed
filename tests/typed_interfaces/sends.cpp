// Sends checked against the interfaces in core/actors.hpp: FLUX_CASE 0
// must compile, every other case must be refused by the compiler
// (tests/typed_interfaces.sh).
#include <cstdint>
#include <string>

#include "core/actors.hpp"

using namespace flux;

void sends(const node_actor& node, const room_actor& room,
           const session_actor& session, const bus_actor& bus) {
#if FLUX_CASE == 0 // the right messages
  caf::anon_send(node, atom::join_v, status_actor{room}, std::string{"room"},
                 std::string{"r"}, int64_t{0});
  caf::anon_send(node, atom::join_v, session, std::string{"s-1"});
  caf::anon_send(room, atom::unsubscribe_v, session);
  caf::anon_send(bus, atom::commit_v, std::string{"t"}, std::string{"g"},
                 int32_t{0}, int64_t{1});
#elif FLUX_CASE == 1 // 0 for int64_t{0}: the member's restarts
  caf::anon_send(node, atom::join_v, status_actor{room}, std::string{"room"},
                 std::string{"r"}, 0);
#elif FLUX_CASE == 2 // a message a room does not take
  caf::anon_send(room, atom::list_v);
#elif FLUX_CASE == 3 // the bus where the room expects a session
  caf::anon_send(room, atom::unsubscribe_v, bus);
#elif FLUX_CASE == 4 // a room where the node expects a member's status
  caf::anon_send(node, atom::join_v, room, std::string{"room"},
                 std::string{"r"}, int64_t{0});
#elif FLUX_CASE == 5 // an int for the int32_t partition
  caf::anon_send(bus, atom::commit_v, std::string{"t"}, std::string{"g"}, 0L,
                 int64_t{1});
#endif
}
