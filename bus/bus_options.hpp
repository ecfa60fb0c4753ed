#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The bus.* section: which event bus (docs/kafka.md), its topic, and each
// kind's settings, from which the embedded bus's options and kafka_options
// are made.
namespace flux::bus {

struct bus_options {
  std::string topic = "flux.events";
  int32_t partitions = 4;
  size_t retention_records = 10000; // embedded log, per partition
  size_t retention_bytes = 64 << 20;
  std::string kind = "embedded"; // embedded | kafka
  std::string brokers = "127.0.0.1:9092";
  std::string group = "flux-gateway";
  std::string client_id = "flux";
  std::vector<std::string> kafka_properties; // "key=value" for librdkafka
  int32_t replication_factor = -1;       // -1: the broker's default
  size_t buffer_events = 10000;          // producer's local buffer
  int64_t hydrate_records = 1000; // re-read per partition on assignment
};

void add_options(caf::config_option_set& set, bus_options& opts);
void check_options(const bus_options& opts, std::vector<std::string>& errors);

} // namespace flux::bus
