#include "sessions/outbound_queue.hpp"

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
  if (empty())
    return nullptr;
  // Count how many frames fit in one batch (always at least one).
  size_t n = 1;
  size_t payload = frames_[head_]->size();
  while (n < size()
         && payload + frames_[head_ + n]->size() + n + 2 <= max_batch_bytes) {
    payload += frames_[head_ + n]->size();
    ++n;
  }
  frame_ptr out;
  if (n == 1) {
    out = std::move(frames_[head_]);
    if (size() == 1)
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
      append_to_batch(*batch, *frames_[head_ + i]); // bursts are spliced in
      frames_[head_ + i].reset();
    }
    batch->push_back(']');
    out = std::move(batch);
  }
  head_ += n;
  if (head_ == frames_.size()) {
    // Drained: start over at the front, and give back a large buffer.
    head_ = 0;
    if (frames_.capacity() > 64)
      std::vector<frame_ptr>{}.swap(frames_);
    else
      frames_.clear();
  } else if (head_ >= 64 && head_ * 2 >= frames_.size()) {
    // Mostly consumed: move the rest to the front (amortized O(1)).
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<long>(head_));
    head_ = 0;
  }
  bytes_ -= payload;
  frames_taken = n;
  return out;
}

} // namespace flux
