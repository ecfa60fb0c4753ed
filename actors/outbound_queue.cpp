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
  } else {
    std::string batch;
    batch.reserve(payload + n + 1);
    batch += '[';
    for (size_t i = 0; i < n; ++i) {
      if (i > 0)
        batch += ',';
      batch += *frames_[i];
    }
    batch += ']';
    out = make_frame(std::move(batch));
  }
  frames_.erase(frames_.begin(), frames_.begin() + static_cast<long>(n));
  bytes_ -= payload;
  frames_taken = n;
  return out;
}

} // namespace flux
