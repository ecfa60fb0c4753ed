#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/event.hpp"

// A session's outbound queue, bounded in bytes. Frames are shared, never
// copied, until several small ones are merged into one batch message (a
// JSON array of frames) for a single write.
namespace flux {

class outbound_queue {
public:
  explicit outbound_queue(size_t budget_bytes) : budget_(budget_bytes) {}

  // False (and nothing queued) when the frame would exceed the budget.
  bool push(frame_ptr frame);

  bool empty() const { return frames_.empty(); }
  size_t bytes() const { return bytes_; }
  size_t size() const { return frames_.size(); }
  size_t budget() const { return budget_; }

  // Takes the next message to write: the first frame alone, or as many
  // queued frames as fit in `max_batch_bytes`, merged into "[f1,f2,...]".
  // A batch is built in a buffer that is reused once the socket has let go
  // of the previous batch, so a busy client costs no allocation per write.
  frame_ptr take(size_t max_batch_bytes, size_t& frames_taken);

private:
  size_t budget_;
  size_t bytes_ = 0;
  std::deque<frame_ptr> frames_;
  // The last batch buffer; reused when nobody else holds it any more, and
  // dropped when the client goes quiet (idle clients keep no buffer).
  std::shared_ptr<std::string> spare_;
};

} // namespace flux
