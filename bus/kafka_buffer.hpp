#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "core/event.hpp"

// The Kafka producer's local buffer: events waiting to be handed to
// librdkafka (while the broker is down or the topic is being created). It is
// bounded by a count; when full, the oldest *snapshot* event goes first (a
// later snapshot supersedes it), and only when it holds no snapshot at all
// the oldest event of any kind. Pushing never blocks.
namespace flux::bus {

struct pending_record {
  std::string key;   // the room
  std::string value; // encode_event() JSON
  event_kind kind = event_kind::snapshot;
  uint64_t seq = 0;  // the bus's publish number, confirmed back to it
};

inline size_t record_bytes(const pending_record& r) {
  return r.key.size() + r.value.size();
}

inline size_t record_bytes(const event& e) {
  return e.id.size() + e.room.size() + e.key.size() + e.source.size()
         + e.data.size();
}

// An event the bus actor keeps until the producer confirms it (delivered,
// or given up for good), so that a restarted producer gets it again.
struct retained_event {
  uint64_t seq = 0;
  event e;
};

inline size_t record_bytes(const retained_event& r) {
  return record_bytes(r.e);
}

inline event_kind kind_of(const pending_record& r) { return r.kind; }
inline event_kind kind_of(const event& e) { return e.kind; }
inline event_kind kind_of(const retained_event& r) { return r.e.kind; }

// T: pending_record, retained_event or event (anything with kind_of() and
// record_bytes()).
template <class T>
class bounded_buffer {
public:
  explicit bounded_buffer(size_t capacity = 10000) : capacity_(capacity) {}

  // Appends; returns how many older records were dropped to make room.
  size_t push(T r) {
    return push(std::move(r), [](const T&) {});
  }

  // The same, calling on_drop(record) for each record dropped (including
  // `r` itself when the capacity is 0).
  template <class OnDrop>
  size_t push(T r, OnDrop on_drop) {
    if (capacity_ == 0) {
      ++(kind_of(r) == event_kind::snapshot ? dropped_snapshots_ : dropped_other_);
      on_drop(r);
      return 1;
    }
    size_t dropped = 0;
    while (q_.size() >= capacity_) {
      if (snapshots_ > 0) {
        auto it = q_.begin();
        while (kind_of(*it) != event_kind::snapshot)
          ++it;
        on_drop(*it);
        erase_at(it);
        ++dropped_snapshots_;
      } else {
        on_drop(q_.front());
        erase_at(q_.begin());
        ++dropped_other_;
      }
      ++dropped;
    }
    if (kind_of(r) == event_kind::snapshot)
      ++snapshots_;
    bytes_ += record_bytes(r);
    q_.push_back(std::move(r));
    return dropped;
  }

  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }
  size_t bytes() const { return bytes_; }
  size_t capacity() const { return capacity_; }
  T& front() { return q_.front(); }
  const T& front() const { return q_.front(); }
  void pop_front() { erase_at(q_.begin()); }
  auto begin() const { return q_.begin(); }
  auto end() const { return q_.end(); }

  // Removes the record numbered `seq` (T has a `seq`, increasing in push
  // order); false if it is not (or no longer) here.
  bool erase_seq(uint64_t seq) {
    auto it = std::lower_bound(q_.begin(), q_.end(), seq,
                               [](const T& r, uint64_t s) { return r.seq < s; });
    if (it == q_.end() || it->seq != seq)
      return false;
    erase_at(it);
    return true;
  }

  uint64_t dropped_snapshots() const { return dropped_snapshots_; }
  uint64_t dropped_other() const { return dropped_other_; }
  uint64_t dropped() const { return dropped_snapshots_ + dropped_other_; }

private:
  void erase_at(typename std::deque<T>::iterator it) {
    if (kind_of(*it) == event_kind::snapshot)
      --snapshots_;
    bytes_ -= record_bytes(*it);
    q_.erase(it);
  }

  size_t capacity_;
  std::deque<T> q_;
  size_t snapshots_ = 0;
  size_t bytes_ = 0;
  uint64_t dropped_snapshots_ = 0;
  uint64_t dropped_other_ = 0;
};

using produce_buffer = bounded_buffer<pending_record>;

} // namespace flux::bus
