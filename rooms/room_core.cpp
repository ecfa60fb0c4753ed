#include "rooms/room_core.hpp"

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

namespace {

// What a key costs the room: its event frame and the key (twice: map and
// frame), plus the nodes around them.
size_t cost_of(const std::string& key, const frame_ptr& frame) {
  return 2 * key.size() + frame->size() + 128;
}

} // namespace

room_core::room_core(std::string name, room_class cls, room_options opts)
  : name_(std::move(name)), cls_(cls), opts_(opts), dedup_(opts.dedup_window) {
}

void room_core::evict_oldest() {
  auto oldest = by_age_.begin();
  auto it = oldest->second;
  state_bytes_ -= cost_of(it->first, it->second.latest.frame);
  by_age_.erase(oldest);
  latest_by_key_.erase(it);
  ++evicted_;
}

void room_core::set_key(const event& e, const frame_ptr& frame, int64_t pos) {
  auto [it, added] = latest_by_key_.try_emplace(e.key);
  auto& k = it->second;
  if (!added) {
    state_bytes_ -= cost_of(it->first, k.latest.frame);
    by_age_.erase(k.seq);
  }
  k.latest = room_frame{pos, frame, e.key};
  // The frame ends with "data":<data>} (see apply).
  k.data_at = frame->size() - 1 - (e.data.empty() ? 4 : e.data.size());
  k.seq = next_seq_++;
  by_age_.emplace(k.seq, it);
  state_bytes_ += cost_of(e.key, frame);
  while (latest_by_key_.size() > 1
         && (latest_by_key_.size() > opts_.max_keys
             || state_bytes_ > opts_.max_bytes))
    evict_oldest();
}

frame_ptr room_core::apply(const event& e, const std::string& epoch,
                           int64_t pos) {
  if (e.data.size() + e.key.size() > opts_.max_event_bytes) {
    ++oversized_;
    return nullptr;
  }
  if (epoch != epoch_) {
    // A new epoch is a restarted stream: positions start over, the ring of
    // the old epoch can no longer be resumed from. The latest state stays,
    // as much of it as one snapshot piece holds: old keys have no position
    // in the new epoch, so they cannot follow a snapshot as events.
    epoch_ = epoch;
    ring_.clear();
    last_pos_ = -1;
    have_floor_ = false;
    size_t kept = 0;
    for (auto i = by_age_.rbegin(); i != by_age_.rend(); ++i) {
      i->second->second.latest.pos = -1;
      kept += cost_of(i->second->first, i->second->second.latest.frame);
    }
    while (!by_age_.empty() && kept > opts_.snapshot_piece_bytes) {
      kept -= cost_of(by_age_.begin()->second->first,
                      by_age_.begin()->second->second.latest.frame);
      evict_oldest();
    }
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
  switch (e.kind) {
    case event_kind::snapshot:
      snapshot_data_ = e.data;
      latest_by_key_.clear();
      by_age_.clear();
      state_bytes_ = 0;
      break;
    case event_kind::update:
      set_key(e, frame, pos);
      break;
    case event_kind::status:
      status_data_ = e.data;
      stale_ = e.data.find("\"stale\":true") != std::string::npos;
      break;
  }
  cached_snapshot_.reset();
  cached_join_.reset();
  ring_.push_back(room_frame{pos, frame,
                             e.kind == event_kind::update ? e.key
                                                          : std::string{}});
  while (ring_.size() > opts_.history) {
    floor_ = ring_.front().pos;
    ring_.pop_front();
  }
  return frame;
}

void room_core::write_key(json::writer& w,
                          const key_map::value_type& k) const {
  auto& f = *k.second.latest.frame;
  w.kv_raw(k.first, std::string_view{f}.substr(
                      k.second.data_at, f.size() - 1 - k.second.data_at));
}

room_frames_ptr room_core::snapshot_frames() {
  if (cached_join_)
    return cached_join_;
  // The oldest keys fill the first piece (all of an older epoch's, which
  // have no position to follow as events); the rest follow as events.
  // A snapshot room keeps its last snapshot's data over any keys.
  bool keyed = !latest_by_key_.empty()
               && (cls_ == room_class::stream || snapshot_data_.empty());
  auto split = by_age_.end();
  size_t piece = 0;
  for (auto i = by_age_.begin(); keyed && i != by_age_.end(); ++i) {
    auto& k = *i->second;
    size_t n = k.first.size() + k.second.latest.frame->size()
               - k.second.data_at + 4;
    if (k.second.latest.pos >= 0 && piece + n > opts_.snapshot_piece_bytes
        && i != by_age_.begin()) {
      split = i;
      break;
    }
    piece += n;
  }
  bool more = split != by_age_.end();
  int64_t pos = more ? split->second->second.latest.pos - 1 : last_pos_;
  json::writer w;
  w.start_object();
  w.kv("type", "snapshot");
  w.kv("room", name_);
  w.kv("class", to_string(cls_));
  w.kv("epoch", epoch_);
  w.kv("pos", pos);
  w.kv("ts", last_ts_);
  w.key("data");
  if (keyed) {
    w.start_object();
    for (auto i = by_age_.begin(); i != split; ++i)
      write_key(w, *i->second);
    w.end_object();
  } else if (!snapshot_data_.empty()) {
    w.raw(snapshot_data_);
  } else {
    w.null();
  }
  w.key("status");
  if (status_data_.empty())
    w.null();
  else
    w.raw(status_data_);
  if (more)
    w.kv("more", true);
  w.end_object();
  auto frames = std::make_shared<room_frames>();
  frames->push_back(room_frame{pos, make_frame(w.take()), {}});
  for (auto i = split; i != by_age_.end(); ++i)
    frames->push_back(i->second->second.latest);
  cached_join_ = std::move(frames);
  return cached_join_;
}

frame_ptr room_core::snapshot_frame() {
  if (!cached_snapshot_)
    cached_snapshot_ = snapshot_frames()->front().frame;
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
    } else if (pos > last_pos_
               && static_cast<uint64_t>(pos) - static_cast<uint64_t>(last_pos_)
                    > static_cast<uint64_t>(opts_.resume_ahead_tolerance)) {
      // Further ahead than a lagging node can be: the room would never
      // send this client anything up to `pos`.
      r.reason = "ahead_of_room";
    }
    if (r.reason.empty()) {
      r.resumed = true;
      auto missed = std::make_shared<room_frames>();
      for (auto& e : ring_)
        if (e.pos > pos)
          missed->push_back(e);
      r.missed = static_cast<int64_t>(missed->size());
      r.frames = std::move(missed);
      return r;
    }
  }
  r.frames = snapshot_frames();
  return r;
}

} // namespace flux
