#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

// The embedded event log: Kafka's semantics in process. Topics have a fixed
// number of partitions; a record goes to the partition of its key, gets the
// next offset there, and stays readable from that offset until retention
// (a record count and a byte budget per partition) drops the oldest records.
namespace flux::bus {

struct log_record {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
};

struct retention {
  size_t max_records = 10000;        // per partition
  size_t max_bytes = 64 * 1024 * 1024; // per partition (key + value bytes)
};

class partition_log {
public:
  explicit partition_log(retention r) : retention_(r) {}

  int64_t append(std::string key, std::string value, int64_t ts_ms);

  // Records with offset >= from, at most `max`. If `from` is older than the
  // oldest retained record, reading starts at the oldest one.
  std::vector<log_record> read(int64_t from, size_t max) const;

  int64_t start_offset() const { return start_; }  // oldest retained
  int64_t end_offset() const { return next_; }     // next to be assigned
  size_t bytes() const { return bytes_; }
  size_t size() const { return records_.size(); }

private:
  void enforce_retention();

  retention retention_;
  std::deque<log_record> records_;
  int64_t start_ = 0;
  int64_t next_ = 0;
  size_t bytes_ = 0;
};

struct append_result {
  int32_t partition = 0;
  int64_t offset = 0;
};

class event_log {
public:
  explicit event_log(retention r = {}) : retention_(r) {}

  // Creates a topic; a no-op when it exists with any partition count.
  void create_topic(const std::string& name, int32_t partitions);
  bool has_topic(const std::string& name) const;
  int32_t partitions(const std::string& topic) const;

  // Appends to the key's partition. The topic must exist.
  append_result append(const std::string& topic, std::string key,
                       std::string value, int64_t ts_ms);

  const partition_log& partition(const std::string& topic, int32_t p) const;

  // Stable key -> partition mapping (FNV-1a; identical on every run).
  static int32_t partition_for(const std::string& key, int32_t partitions);

  std::vector<std::string> topics() const;

private:
  retention retention_;
  std::map<std::string, std::vector<partition_log>> topics_;
};

} // namespace flux::bus
