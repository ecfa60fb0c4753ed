#include "sessions/client_socket.hpp"

namespace flux {

void client_socket::configure(size_t queue_budget_bytes,
                              size_t max_batch_bytes) {
  std::lock_guard<std::mutex> guard{mtx_};
  queue_ = outbound_queue{queue_budget_bytes};
  max_batch_ = max_batch_bytes;
}

bool client_socket::claim_writer() {
  if (writer_busy_)
    return false; // the writer takes it when its write completes
  writer_busy_ = true;
  return true;
}

bool client_socket::send(frame_ptr frame) {
  bool start;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!queue_.push(std::move(frame)))
      return false;
    start = claim_writer();
  }
  if (start)
    start_writer();
  return true;
}

bool client_socket::send_direct(fanout_link& link, const frame_ptr* frames,
                                size_t count, size_t limit, int64_t pos) {
  size_t bytes = 0;
  for (size_t i = 0; i < count; ++i)
    bytes += frames[i]->size();
  bool start;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!link.open)
      return true;
    // limit is at most the budget (the session passes half of it), so the
    // pushes below cannot fail half-way.
    if (queue_.bytes() + bytes > limit)
      return false;
    for (size_t i = 0; i < count; ++i)
      queue_.push(frames[i]);
    link.last_pos.store(pos, std::memory_order_relaxed);
    start = claim_writer();
  }
  if (start)
    start_writer();
  return true;
}

void client_socket::close_link(fanout_link& link) {
  std::lock_guard<std::mutex> guard{mtx_};
  link.open = false;
}

void client_socket::notify_below(size_t bytes) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (queue_.bytes() >= bytes) {
      notify_below_ = bytes;
      return;
    }
    notify_below_ = 0;
  }
  notify_drained();
}

size_t client_socket::queued_bytes() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return queue_.bytes();
}

size_t client_socket::queued_frames() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return queue_.size();
}

client_socket::counters client_socket::written() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return written_;
}

frame_ptr client_socket::next_write() {
  frame_ptr out;
  bool notify = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    size_t frames = 0;
    out = queue_.take(max_batch_, frames);
    if (out) {
      written_.frames += frames;
      written_.bytes += out->size();
      ++written_.writes;
    } else {
      writer_busy_ = false;
    }
    if (notify_below_ > 0 && queue_.bytes() < notify_below_) {
      notify_below_ = 0;
      notify = true;
    }
  }
  if (notify)
    notify_drained();
  return out;
}

} // namespace flux
