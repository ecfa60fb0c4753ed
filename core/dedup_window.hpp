#pragma once

#include <deque>
#include <string>
#include <unordered_set>

// Remembers the last `capacity` event ids so an event delivered twice
// (at-least-once from Kafka, a replay after a consumer restart) is passed on
// only once.
namespace flux {

class dedup_window {
public:
  explicit dedup_window(size_t capacity) : capacity_(capacity) {}

  // True the first time an id is seen within the window.
  bool insert(const std::string& id) {
    if (capacity_ == 0)
      return true;
    if (!seen_.insert(id).second)
      return false;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

  size_t size() const { return order_.size(); }

private:
  size_t capacity_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_;
};

} // namespace flux
