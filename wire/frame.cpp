#include "wire/frame.hpp"

namespace flux {

room_burst make_burst(room_frames frames) {
  room_burst b;
  if (frames.size() == 1) {
    b.batch = frames.front().frame;
  } else if (!frames.empty()) {
    size_t bytes = frames.size() + 1;
    for (auto& f : frames)
      bytes += f.frame->size();
    std::string batch;
    batch.reserve(bytes);
    batch.push_back('[');
    for (auto& f : frames)
      append_to_batch(batch, *f.frame);
    batch.push_back(']');
    b.batch = make_frame(std::move(batch));
  }
  b.frames = std::move(frames);
  return b;
}

void append_to_batch(std::string& batch, const std::string& frame) {
  if (batch.size() > 1)
    batch.push_back(',');
  if (frame.size() >= 2 && frame.front() == '[')
    batch.append(frame, 1, frame.size() - 2);
  else
    batch.append(frame);
}

} // namespace flux
