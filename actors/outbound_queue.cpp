#include "actors/outbound_queue.hpp"

namespace flux {

bool outbound_queue::push(frame_ptr frame) {
  if (bytes_ + frame->size() > budget_)
    return false;
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  return true;
}

frame_ptr outbound_queue::take(size_t max_batch_bytes, size_t& frames_taken) {
  frames_taken = 0;
  if (frames_.empty())
    return nullptr;
  // Count how many frames fit in one batch (always at least one).
  size_t n = 1;
  size_t payload = frames_.front()->size();
  while (n < frames_.size()
         && payload + frames_[n]->size() + n + 2 <= max_batch_bytes) {
    payload += frames_[n]->size();
    ++n;
  }
  frame_ptr out;
  if (n == 1) {
    out = std::move(frames_.front());
    if (frames_.size() == 1)
      spare_.reset(); // the client keeps up: no buffer kept while quiet
  } else {
    // Only this queue holds the spare: the socket is done writing it.
    std::shared_ptr<std::string> batch;
    if (spare_ && spare_.use_count() == 1
        && spare_->capacity() <= 2 * max_batch_bytes) {
      batch = spare_;
      batch->clear();
    } else {
      batch = std::make_shared<std::string>();
      spare_ = batch;
    }
    batch->reserve(payload + n + 1);
    batch->push_back('[');
    for (size_t i = 0; i < n; ++i) {
      if (i > 0)
        batch->push_back(',');
      batch->append(*frames_[i]);
    }
    batch->push_back(']');
    out = std::move(batch);
  }
  frames_.erase(frames_.begin(), frames_.begin() + static_cast<long>(n));
  bytes_ -= payload;
  frames_taken = n;
  return out;
}

} // namespace flux
