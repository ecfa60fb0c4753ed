#include "bus/event_log.hpp"

#include <stdexcept>

namespace flux::bus {

int64_t partition_log::append(std::string key, std::string value,
                              int64_t ts_ms) {
  bytes_ += key.size() + value.size();
  records_.push_back(log_record{next_, ts_ms, std::move(key), std::move(value)});
  auto offset = next_++;
  enforce_retention();
  return offset;
}

void partition_log::enforce_retention() {
  // Always keep the newest record, however large.
  while (records_.size() > 1
         && (records_.size() > retention_.max_records
             || bytes_ > retention_.max_bytes)) {
    auto& front = records_.front();
    bytes_ -= front.key.size() + front.value.size();
    records_.pop_front();
    start_ = records_.front().offset;
  }
}

std::vector<log_record> partition_log::read(int64_t from, size_t max) const {
  std::vector<log_record> out;
  if (from < start_)
    from = start_;
  if (from >= next_ || records_.empty())
    return out;
  auto first = static_cast<size_t>(from - start_);
  for (size_t i = first; i < records_.size() && out.size() < max; ++i)
    out.push_back(records_[i]);
  return out;
}

void event_log::create_topic(const std::string& name, int32_t partitions) {
  if (partitions < 1)
    throw std::invalid_argument("a topic needs at least one partition");
  if (topics_.count(name) > 0)
    return;
  topics_.emplace(name, std::vector<partition_log>(
                          static_cast<size_t>(partitions),
                          partition_log{retention_}));
}

bool event_log::has_topic(const std::string& name) const {
  return topics_.count(name) > 0;
}

int32_t event_log::partitions(const std::string& topic) const {
  auto i = topics_.find(topic);
  return i == topics_.end() ? 0 : static_cast<int32_t>(i->second.size());
}

append_result event_log::append(const std::string& topic, std::string key,
                                std::string value, int64_t ts_ms) {
  auto i = topics_.find(topic);
  if (i == topics_.end())
    throw std::invalid_argument("unknown topic: " + topic);
  auto p = partition_for(key, static_cast<int32_t>(i->second.size()));
  auto off = i->second[static_cast<size_t>(p)].append(std::move(key),
                                                      std::move(value), ts_ms);
  return {p, off};
}

const partition_log& event_log::partition(const std::string& topic,
                                          int32_t p) const {
  auto i = topics_.find(topic);
  if (i == topics_.end() || p < 0
      || static_cast<size_t>(p) >= i->second.size())
    throw std::out_of_range("unknown topic partition: " + topic);
  return i->second[static_cast<size_t>(p)];
}

int32_t event_log::partition_for(const std::string& key, int32_t partitions) {
  uint32_t h = 2166136261u;
  for (unsigned char c : key) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int32_t>(h % static_cast<uint32_t>(partitions));
}

std::vector<std::string> event_log::topics() const {
  std::vector<std::string> out;
  for (auto& kv : topics_)
    out.push_back(kv.first);
  return out;
}

} // namespace flux::bus
