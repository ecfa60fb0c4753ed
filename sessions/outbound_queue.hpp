#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wire/frame.hpp"

// A session's outbound queue, bounded in bytes. Frames are shared, never
// copied, until several small ones are merged into one batch message (a
// JSON array of frames) for a single write.
namespace flux {

class outbound_queue {
public:
  explicit outbound_queue(size_t budget_bytes) : budget_(budget_bytes) {}

  // False (and nothing queued) when the frame would exceed the budget.
  bool push(frame_ptr frame);

  bool empty() const { return head_ == frames_.size(); }
  size_t bytes() const { return bytes_; }
  size_t size() const { return frames_.size() - head_; }

  // Takes the next message to write: the first frame alone, or as many
  // queued frames as fit in `max_batch_bytes`, merged into "[f1,f2,...]"
  // (a frame that is a batch already has its elements spliced in).
  // A batch is built in a buffer that is reused once the socket has let go
  // of the previous batch, so a busy client costs no allocation per write.
  frame_ptr take(size_t max_batch_bytes, size_t& frames_taken);

private:
  size_t budget_;
  size_t bytes_ = 0;
  // Queued frames are frames_[head_..]. A vector, not a deque: an empty one
  // allocates nothing, and most connections' queues are empty most of the
  // time (a deque keeps a 512-byte block even then).
  std::vector<frame_ptr> frames_;
  size_t head_ = 0;
  // The last batch buffer; reused when nobody else holds it any more, and
  // dropped when the client goes quiet (idle clients keep no buffer).
  std::shared_ptr<std::string> spare_;
};

} // namespace flux
