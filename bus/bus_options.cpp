#include "bus/bus_options.hpp"

#include <caf/config_option_adder.hpp>

#include "bus/kafka_config.hpp"
#include "core/check_options.hpp"

namespace flux::bus {

void add_options(caf::config_option_set& set, bus_options& opts) {
  caf::config_option_adder{set, "bus"}
    .add(opts.topic, "topic", "event topic")
    .add(opts.partitions, "partitions", "partitions of the event topic")
    .add(opts.retention_records, "retention-records",
         "records kept per partition (embedded log)")
    .add(opts.retention_bytes, "retention-bytes",
         "bytes kept per partition (embedded log)")
    .add(opts.kind, "kind", "embedded (in-process log) or kafka")
    .add(opts.brokers, "brokers", "Kafka bootstrap servers, host:port,...")
    .add(opts.group, "group", "Kafka consumer group of the gateways")
    .add(opts.client_id, "client-id", "Kafka client id prefix")
    .add(opts.kafka_properties, "kafka-properties",
         "librdkafka properties, a list of \"key=value\" (e.g. security)")
    .add(opts.replication_factor, "replication-factor",
         "replication of the topic when Flux creates it (-1: broker default)")
    .add(opts.hydrate_records, "hydrate-records",
         "Kafka: on each partition assignment, re-read this many records "
         "before the committed offset so a (re)started node's rooms get "
         "their latest snapshots back (0: none)")
    .add(opts.buffer_events, "buffer-events",
         "events the Kafka producer buffers while the broker is away");
}

void check_options(const bus_options& opts, std::vector<std::string>& errors) {
  need(errors, !opts.topic.empty(), "bus.topic must not be empty");
  need(errors, opts.partitions >= 1 && opts.partitions <= 1024,
       "bus.partitions must be between 1 and 1024");
  need(errors, opts.retention_records >= 1,
       "bus.retention-records must be at least 1");
  need(errors, opts.kind == "embedded" || opts.kind == "kafka",
       "bus.kind must be embedded or kafka");
  if (opts.kind != "kafka")
    return;
  need(errors, !opts.brokers.empty(),
       "bus.brokers must not be empty with bus.kind=kafka");
  need(errors, !opts.group.empty(), "bus.group must not be empty");
  need(errors, !opts.client_id.empty(), "bus.client-id must not be empty");
  need(errors,
       opts.replication_factor == -1
         || (opts.replication_factor >= 1
             && opts.replication_factor <= 32767),
       "bus.replication-factor must be -1 or between 1 and 32767");
  need(errors, opts.buffer_events >= 1, "bus.buffer-events must be at least 1");
  need(errors, opts.hydrate_records >= 0 && opts.hydrate_records <= 10000000,
       "bus.hydrate-records must be between 0 and 10000000");
  for (auto& p : check_kafka_properties(opts.kafka_properties))
    errors.push_back(p);
}

} // namespace flux::bus
