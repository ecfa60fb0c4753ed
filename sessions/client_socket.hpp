#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/fwd.hpp"
#include "sessions/outbound_queue.hpp"
#include "wire/close_code.hpp"
#include "wire/frame.hpp"

// What a session actor needs from its connection. The gateway implements it
// over a Beast WebSocket; the session never touches the socket itself.
//
// The socket owns the client's outbound queue, bounded in bytes: the
// session queues frames from its own thread, and the socket's writer (the
// I/O thread) takes them, merged into batches, one write at a time. A write
// that completes goes straight on to the next batch, with no message back to
// the session: under load a delivery costs the session one activation, not
// two.
namespace flux {

class client_socket;

// A room's direct line to one subscriber's socket. While the client keeps
// up, the room queues each burst here itself (client_socket::send_direct):
// fan-out costs no actor message per subscriber. The session creates the
// link, hands it to the room, and closes it when it leaves the room.
struct fanout_link {
  explicit fanout_link(std::shared_ptr<client_socket> s)
    : socket(std::move(s)) {}
  std::shared_ptr<client_socket> socket;
  // The position of the last event queued through the link (for resuming
  // after a room restart).
  std::atomic<int64_t> last_pos{-1};
  bool open = true; // guarded by the socket's mutex
  // Socket.IO: one packet per event (no batches), encoded once per event.
  bool socketio = false;
};

class client_socket {
public:
  virtual ~client_socket() = default;

  // Set once by the session before it sends anything: the queue's byte
  // budget and how many bytes one batched write may merge (0: no batches).
  void configure(size_t queue_budget_bytes, size_t max_batch_bytes);

  // Queues a frame (any thread). False, and nothing queued, when it would
  // take the queue past its budget.
  bool send(frame_ptr frame);

  // From a room (any thread): queues `frames`, the burst ending at `pos`,
  // unless that would take the queue past `limit` bytes: then false, and
  // the room hands its bursts to the session again. True also when the
  // link is closed (nothing queued: the client left the room).
  bool send_direct(fanout_link& link, const frame_ptr* frames, size_t count,
                   size_t limit, int64_t pos);

  // Nothing more goes through `link` once this returns.
  void close_link(fanout_link& link);

  // Once the queue holds fewer than `bytes`, the socket calls
  // notify_drained() once (the session then releases conflated updates).
  void notify_below(size_t bytes);

  // Bytes and frames queued and not yet handed to a write.
  size_t queued_bytes() const;
  size_t queued_frames() const;

  struct counters {
    uint64_t frames = 0; // frames handed to writes
    uint64_t bytes = 0;
    uint64_t writes = 0;
  };
  counters written() const;

  // Closes with a WebSocket close code and reason, after the write in
  // progress and `last` (if any); queued frames are dropped. The session
  // is then told (closed_atom).
  virtual void close(uint16_t code, std::string reason,
                     frame_ptr last = nullptr)
    = 0;

  // The peer's address, for logs and /stats.
  virtual std::string remote() const = 0;

protected:
  // The queue went from idle to non-empty: start writing. Must not block;
  // the implementation typically posts to its I/O strand, which then calls
  // next_write().
  virtual void start_writer() = 0;

  // Called when the session asked to hear that the queue drained.
  virtual void notify_drained() = 0;

  // For the writer: the next message to write (a batch of queued frames),
  // or nullptr when the queue is empty, in which case the writer is idle
  // until the next send() starts it again.
  frame_ptr next_write();

private:
  // Under mtx_, after queueing: true when the writer was idle and the
  // caller must start it.
  bool claim_writer();

  mutable std::mutex mtx_;
  outbound_queue queue_{0};
  size_t max_batch_ = 0;
  bool writer_busy_ = false;
  size_t notify_below_ = 0; // 0: nobody asked
  counters written_;
};

} // namespace flux
