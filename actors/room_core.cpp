#include "actors/room_core.hpp"

#include "core/json.hpp"

namespace flux {

const char* to_string(room_class c) {
  return c == room_class::stream ? "stream" : "snapshot";
}

bool parse_room_class(const std::string& text, room_class& out) {
  if (text == "snapshot") out = room_class::snapshot;
  else if (text == "stream") out = room_class::stream;
  else return false;
  return true;
}

room_core::room_core(std::string name, room_class cls, room_options opts)
  : name_(std::move(name)), cls_(cls), opts_(opts), dedup_(opts.dedup_window) {
}

frame_ptr room_core::apply(const event& e, const std::string& epoch,
                           int64_t pos) {
  if (epoch != epoch_) {
    // A new epoch is a restarted stream: positions start over, the ring of
    // the old epoch can no longer be resumed from. The latest state stays.
    epoch_ = epoch;
    ring_.clear();
    last_pos_ = -1;
    have_floor_ = false;
  }
  if (pos <= last_pos_ || !dedup_.insert(e.id)) {
    ++duplicates_;
    return nullptr;
  }
  if (!have_floor_) {
    floor_ = pos - 1;
    have_floor_ = true;
  }
  last_pos_ = pos;
  last_ts_ = e.ts;
  ++applied_;
  switch (e.kind) {
    case event_kind::snapshot:
      snapshot_data_ = e.data;
      latest_by_key_.clear();
      break;
    case event_kind::update:
      latest_by_key_[e.key] = e.data;
      break;
    case event_kind::status:
      status_data_ = e.data;
      stale_ = e.data.find("\"stale\":true") != std::string::npos;
      break;
  }
  cached_snapshot_.reset();
  json::writer w;
  w.start_object();
  w.kv("type", "event");
  w.kv("room", name_);
  w.kv("epoch", epoch_);
  w.kv("pos", pos);
  w.kv("id", e.id);
  w.kv("kind", to_string(e.kind));
  if (!e.key.empty())
    w.kv("key", e.key);
  w.kv("ts", e.ts);
  w.kv_raw("data", e.data.empty() ? std::string_view{"null"} : e.data);
  w.end_object();
  auto frame = make_frame(w.take());
  ring_.push_back(entry{pos, frame});
  while (ring_.size() > opts_.history) {
    floor_ = ring_.front().pos;
    ring_.pop_front();
  }
  return frame;
}

frame_ptr room_core::snapshot_frame() {
  if (cached_snapshot_)
    return cached_snapshot_;
  json::writer w;
  w.start_object();
  w.kv("type", "snapshot");
  w.kv("room", name_);
  w.kv("class", to_string(cls_));
  w.kv("epoch", epoch_);
  w.kv("pos", last_pos_);
  w.kv("ts", last_ts_);
  w.key("data");
  if (cls_ == room_class::stream && !latest_by_key_.empty()) {
    w.start_object();
    for (auto& [key, data] : latest_by_key_)
      w.kv_raw(key, data);
    w.end_object();
  } else if (!snapshot_data_.empty()) {
    w.raw(snapshot_data_);
  } else if (!latest_by_key_.empty()) {
    w.start_object();
    for (auto& [key, data] : latest_by_key_)
      w.kv_raw(key, data);
    w.end_object();
  } else {
    w.null();
  }
  w.key("status");
  if (status_data_.empty())
    w.null();
  else
    w.raw(status_data_);
  w.end_object();
  cached_snapshot_ = make_frame(w.take());
  return cached_snapshot_;
}

join_result
room_core::join(const std::optional<std::pair<std::string, int64_t>>& from) {
  join_result r;
  if (from) {
    auto& [epoch, pos] = *from;
    if (epoch.empty() || epoch != epoch_) {
      r.reason = "epoch_changed";
    } else if (pos < floor_) {
      r.reason = "gap_too_old"; // events after `pos` left the ring
    }
    if (r.reason.empty()) {
      r.resumed = true;
      for (auto& e : ring_)
        if (e.pos > pos)
          r.frames.push_back(e.frame);
      r.missed = static_cast<int64_t>(r.frames.size());
      return r;
    }
  }
  r.frames.push_back(snapshot_frame());
  return r;
}

} // namespace flux
