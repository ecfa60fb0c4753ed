#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "core/fwd.hpp"
#include "core/type_ids.hpp"

// Every long-lived actor's message interface, in one place: a message an
// actor does not handle, or one with a wrong argument type (0 for
// int64_t{0}), is a compile error at the send. What each message means is
// said in the header of the actor that handles it; which handle carries
// which interface, and the two seams left dynamic, in docs/architecture.md
// ("Messages").
namespace flux {

// -- what several actors share -----------------------------------------------

// Every long-lived actor answers status with one JSON object
// (core/actor_stats.hpp); the node and the supervisors hold their members as
// this.
using status_actor = caf::typed_actor<
  caf::replies_to<atom::status>::with<std::string>>;

// A component's health changed: (component, ok, reason, serving).
using health_actor = caf::typed_actor<
  caf::reacts_to<atom::health, std::string, bool, std::string, bool>>;

// A bus record: (deliver, epoch, partition, offset, value).
using record_actor = caf::typed_actor<
  caf::reacts_to<atom::deliver, std::string, int32_t, int64_t, std::string>>;

// A record another cluster node consumed, or one to send to the others.
using forwarded_actor = caf::typed_actor<
  caf::reacts_to<atom::forwarded, std::string, int32_t, int64_t, std::string>>;
using forward_actor = caf::typed_actor<
  caf::reacts_to<atom::forward, std::string, int32_t, int64_t, std::string>>;

// A room's commit: its events up to the position are applied.
using commit_actor = caf::typed_actor<
  caf::reacts_to<atom::commit, int32_t, int64_t>>;

// -- sessions (sessions/session.hpp) -----------------------------------------

using session_actor = caf::typed_actor<
  caf::reacts_to<atom::client_text, std::string>,
  caf::reacts_to<atom::drained>,
  caf::reacts_to<atom::closed>,
  caf::reacts_to<atom::burst, room_burst>,
  caf::reacts_to<atom::close, uint16_t, std::string>,
  caf::reacts_to<atom::resubscribe, std::string>,
  caf::reacts_to<atom::tick, uint64_t>,
  // Token timers: (expire, generation, stage); see sessions/session_auth.
  caf::reacts_to<atom::expire, uint64_t, int32_t>>::extend_with<status_actor>;

// -- runtime (runtime/node.hpp, runtime/supervisor.hpp) ----------------------

using node_actor = caf::typed_actor<
  // A member: (join, member, kind, name, restarts); ended with an exit.
  caf::reacts_to<atom::join, status_actor, std::string, std::string, int64_t>,
  // A session: (join, session, id); ended by closing its client.
  caf::reacts_to<atom::join, session_actor, std::string>,
  // -> (ok, problems JSON, state)
  caf::replies_to<atom::ready>::with<bool, std::string, std::string>,
  caf::replies_to<atom::shutdown>::with<bool>>::extend_with<status_actor,
                                                            health_actor>;

using supervisor_actor = caf::typed_actor<
  caf::reacts_to<atom::restart, std::string>>::extend_with<status_actor>;

// -- the event bus (bus/) ----------------------------------------------------

// The bus as sources and the room directory see it: embedded or Kafka.
using bus_actor = caf::typed_actor<
  caf::reacts_to<atom::publish, event>,
  // (subscribe, topic, group, consumer) -> partitions
  caf::replies_to<atom::subscribe, std::string, std::string,
                  record_actor>::with<int32_t>,
  // (commit, topic, group, partition, next offset)
  caf::reacts_to<atom::commit, std::string, std::string, int32_t,
                 int64_t>>::extend_with<status_actor>;

using kafka_producer_actor = caf::typed_actor<
  caf::reacts_to<atom::publish, uint64_t, event>,
  caf::reacts_to<atom::tick>>::extend_with<status_actor>;

using kafka_consumer_actor = caf::typed_actor<
  caf::replies_to<atom::subscribe, std::string, std::string,
                  record_actor>::with<int32_t>,
  caf::reacts_to<atom::commit, std::string, std::string, int32_t, int64_t>,
  caf::reacts_to<atom::tick>>::extend_with<status_actor>;

using kafka_bus_actor = bus_actor::extend<
  caf::reacts_to<atom::join, kafka_producer_actor>,
  caf::reacts_to<atom::join, kafka_consumer_actor>,
  // From the producer: these publishes were delivered (or given up).
  caf::reacts_to<atom::deliver, std::vector<uint64_t>>>::
  extend_with<health_actor>;

// -- rooms (rooms/room.hpp, rooms/room_directory.hpp) ------------------------

// A room's answer to a join: (resumed, reason, missed, epoch, last position,
// the snapshot pieces or the missed events).
template <class... In>
using replies_with_join = typename caf::replies_to<In...>::template with<
  bool, std::string, int64_t, std::string, int64_t, room_frames_ptr>;
using room_join_result = caf::result<bool, std::string, int64_t, std::string,
                                     int64_t, room_frames_ptr>;

using room_actor = caf::typed_actor<
  // (deliver, event, epoch, position, partition)
  caf::reacts_to<atom::deliver, event, std::string, int64_t, int32_t>,
  // (subscribe, session, epoch, position, resume)
  replies_with_join<atom::subscribe, session_actor, std::string, int64_t,
                    bool>,
  // (direct, link, seq, limit)
  caf::reacts_to<atom::direct, fanout_link_ptr, uint64_t, uint64_t>,
  caf::reacts_to<atom::unsubscribe, session_actor>,
  caf::reacts_to<atom::flush>>::extend_with<status_actor>;

using room_directory_actor = caf::typed_actor<
  caf::reacts_to<atom::forward, forward_actor>,
  caf::reacts_to<atom::tick>,
  // (subscribe, room, session, epoch, position, resume)
  replies_with_join<atom::subscribe, std::string, session_actor,
                    std::string, int64_t, bool>,
  caf::replies_to<atom::list>::with<std::string>>::
  extend_with<record_actor, forwarded_actor, commit_actor, status_actor>;

// -- cluster (cluster/cluster.hpp) -------------------------------------------

using cluster_actor = caf::typed_actor<
  caf::reacts_to<atom::publish, std::string>,
  caf::reacts_to<atom::subscribe, forwarded_actor>,
  // A peer's hello: (join, peer's cluster actor, name, address).
  caf::reacts_to<atom::join, caf::actor, std::string, std::string>,
  caf::reacts_to<caf::connect_atom, uint64_t, uint64_t>,
  // (get, status, cluster-wide) -> the node's or the cluster's /stats
  caf::replies_to<atom::get, atom::status, bool>::with<std::string>>::
  extend_with<forward_actor, forwarded_actor, status_actor>;

// -- domains (domains/poller.hpp) --------------------------------------------

using poller_actor = caf::typed_actor<
  caf::reacts_to<atom::tick, uint64_t>,
  // (fetched, seq, ok, error, events, retry_after_ms, link_failures,
  //  link_retry_at_ms): a fetch completed
  caf::reacts_to<atom::fetched, uint64_t, bool, std::string,
                 std::vector<event>, int64_t, uint32_t, int64_t>,
  // (fetched, seq): the fetch timed out
  caf::reacts_to<atom::fetched, uint64_t>>::extend_with<status_actor>;

// -- gateway (gateway/ingest.hpp) --------------------------------------------

using ingest_pump_actor = caf::typed_actor<
  caf::reacts_to<atom::publish, event>>;

} // namespace flux
