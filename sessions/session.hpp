#pragma once

#include <map>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "core/actor_stats.hpp"
#include "core/actors.hpp"
#include "sessions/client_socket.hpp"
#include "sessions/session_options.hpp"
#include "wire/socketio_dialogue.hpp"

// One actor per client connection. It speaks the native protocol (and
// Socket.IO, through wire/socketio_dialogue), rate-limits requests, owns the
// client's subscriptions, and feeds the socket's outbound queue (bounded in
// bytes; see client_socket). How frames reach the client, and what happens
// when it falls behind (conflation, then a 4008 close), is in
// session_delivery.hpp.
//
// Messages (session_actor in core/actors.hpp):
//   (client_text_atom, text)      a message from the client (socket thread)
//   (drained_atom)                the socket's queue drained (asked for)
//   (closed_atom)                 the socket is gone
//   (burst_atom, room_burst)      a room's events (one burst, in order);
//                                 once caught up, the session asks the room
//                                 to queue bursts into the socket itself:
//                                 (direct_atom, link, seq, limit) to the room
//   (close_atom, code, reason)    close the client (e.g. shutdown)
//   (resubscribe_atom, room)      internal: re-join after a room restart
//   (tick_atom, gen)              internal: Socket.IO timers (ping, pong,
//                                 CONNECT deadlines)
//   (expire_atom, gen, stage)     internal: token timers (session_auth.hpp)
//   (status_atom) -> std::string JSON
namespace flux {

struct subscription {
  room_actor room;       // set once joined
  std::string epoch;
  int64_t last_pos = -1; // position of the last frame queued for the client
  uint64_t join_seq = 0; // ignores replies to superseded joins
  // The room's direct line to the socket (see room), and the last burst of
  // the room this session handled itself.
  fanout_link_ptr link;
  uint64_t burst_seq = 0;
  // Resumed from a position the room had not reached yet (a node that is
  // still re-reading Kafka, or lags its cluster peer): the client has
  // everything up to here, so events up to it are dropped, not sent twice.
  int64_t skip_until = -1;
  // A join's frames not queued yet (a large snapshot's pieces, or many
  // missed events, shared with the room): queued as the client reads,
  // before anything newer of the room.
  room_frames_ptr backlog;
  size_t backlog_next = 0;
  // Events other than updates that arrived while frames of the room were
  // waiting here (backlog or conflated): they keep their place by position.
  std::vector<std::pair<int64_t, frame_ptr>> held;
};

struct session_state {
  static inline const char* name = "session";
  std::string id;
  std::shared_ptr<client_socket> socket;
  room_directory_actor directory;
  session_options opts;
  bool closing = false;
  std::map<std::string, subscription> subs;
  // Conflation: past half the budget, keyed updates wait here, latest value
  // per (room, key), in first-arrival order, until the queue drains.
  // (Released in position order: a client that drops what is not after the
  // last position it saw must not lose the latest value of a key.)
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, frame_ptr>>
    conflated;
  std::vector<std::pair<std::string, std::string>> conflated_order;
  uint64_t conflated_drops = 0; // updates replaced by a newer one
  size_t held_bytes = 0; // of every subscription's `held`, at most the budget
  // Socket.IO: the connection's dialogue, and the one timer that serves
  // its deadlines (a tick per deadline change, older generations ignored).
  socketio::dialogue sio;
  int64_t sio_tick_at_ms = -1; // when the pending tick fires (-1: none)
  uint64_t sio_tick_gen = 0;
  uint64_t join_seq = 0;
  double tokens = 0;
  int64_t tokens_at_ms = 0;
  int64_t connected_ms = 0;
  actor_counters counters;
  uint64_t requests = 0;
  uint64_t errors = 0;
  // Authentication (session_auth.hpp): the accepted token's identity, and
  // when its steps are due (-1: not), served by one timer at a time.
  bool authed = false;
  auth::identity who;
  int64_t warn_at_ms = -1;     // token_expiring
  int64_t expire_at_ms = -1;   // token_expired
  int64_t grace_at_ms = -1;    // the 4001 close after token_expired
  int64_t deadline_at_ms = -1; // auth.required: no token by then
  int64_t auth_timer_at_ms = -1;
  uint64_t auth_gen = 0;       // the armed timer's generation
  size_t auth_failures = 0;
  bool token_expired = false; // token_expired sent, the grace running
  bool announce_authed = false; // Socket.IO: `authed` after CONNECT's answer

  const auth::access_policy& access() const;
};

// Past this many queued bytes the client is behind: keyed updates are
// conflated, and a room's frames wait in the session (session_delivery).
inline size_t conflate_above(const session_options& o) {
  return o.queue_budget_bytes / 2;
}

// Under this many it has caught up: what waited is released, and its rooms
// may queue bursts straight into the socket.
inline size_t direct_below(const session_options& o) {
  return o.queue_budget_bytes / 4;
}

// The largest piece a join's snapshot comes in (room_options): with the
// largest event beside it, a piece fits the queue, so a client that reads
// gets a snapshot of any size.
inline size_t snapshot_piece_bytes(const session_options& o) {
  return o.queue_budget_bytes / 4;
}

// The session's own figures in its status reply.
void write_status(json::writer& w, const session_state& st);

session_actor::behavior_type
session(session_actor::stateful_pointer<session_state> self, std::string id,
        std::shared_ptr<client_socket> socket, room_directory_actor directory,
        node_actor node, session_options opts);

} // namespace flux
