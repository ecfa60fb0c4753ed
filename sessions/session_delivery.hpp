#pragma once

#include <cstdint>
#include <string>

#include "sessions/session.hpp"

// How a session's frames reach its client; internal to the session actor.
// While the client keeps up, frames and a room's bursts go straight into its
// socket's queue, and once nothing of a room waits here and the queue is
// under direct_below(), the room is asked to queue its bursts into the
// socket itself (fanout_link). Past conflate_above() the client is behind:
// keyed updates wait here, the latest value per key, and other events of
// the room wait behind them in position order, bounded by the budget. A
// join's frames (the snapshot in pieces, or the missed events; each at most
// a quarter of the budget, see room_options) go first, as the client reads.
namespace flux::delivery {

using self_ptr = session_actor::stateful_pointer<session_state>;

// Closes the connection (once) and ends the session.
void close_client(self_ptr self, uint16_t code, std::string reason);

// Queues a frame for the client; past the budget the client is closed as a
// slow consumer.
void enqueue(self_ptr self, frame_ptr frame);

bool is_socketio(self_ptr self);

// The answer to a request: a native frame echoing the id, or for Socket.IO
// the acknowledgement of the request's ack id (an event when it had none).
void reply(self_ptr self, const std::string& id, std::string frame);

// An error frame; session.max-errors of them close the client (1008).
void send_error(self_ptr self, const std::string& id, const char* code,
                std::string_view message, std::string_view room = {});

// The client leaves the subscription `i` (unsubscribe, or a lost permission).
void leave(self_ptr self, std::map<std::string, subscription>::iterator i);

// Queues the join's frames up to conflate_above(), the rest as the client
// reads (drained); then what waited behind them.
void drain_backlog(self_ptr self, const std::string& room, subscription& sub);

// The client left the room: nothing of it waits any more.
void forget_waiting(self_ptr self, const std::string& room, subscription& sub);

// Asks the room to queue its bursts into the socket, once nothing of the room
// waits here and the queue is under direct_below(). The room agrees only if
// no burst newer than `sub.burst_seq` is on its way to this session.
void ask_direct(self_ptr self, const std::string& room, subscription& sub);

// The last position the client got from a room: what this session queued,
// or what the room queued through the link since.
int64_t last_pos_of(const subscription& sub);

// A room's burst of events (from the room the current message came from).
void on_burst(self_ptr self, const room_burst& burst);

// The socket's queue drained under direct_below() (asked for).
void on_drained(self_ptr self);

} // namespace flux::delivery
