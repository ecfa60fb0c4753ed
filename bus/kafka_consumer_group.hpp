#pragma once

#include "bus/kafka_consumer.hpp"

struct rd_kafka_conf_s;
struct rd_kafka_s;

// The Kafka consumer's membership of its consumer group: following
// rebalances (eager and cooperative) into kafka_consumer_state::partitions,
// rewinding newly assigned partitions for hydration (see
// kafka_options::hydrate_records), pausing and resuming the assignment, and
// leaving the group when the consumer stops.
namespace flux::bus {

// Installs the rebalance callback; its opaque is the consumer's state.
void install_rebalance_cb(rd_kafka_conf_s* conf);

// Pauses (or resumes) every assigned partition.
void pause_assignment(kafka_consumer_state& st, bool pause);

// Leaves the group (committing the stored offsets) when `graceful`, then
// destroys the handle. Leaving needs the broker; without it librdkafka may
// wait up to session.timeout.ms. So the whole close + destroy runs on a
// helper thread waited for at most a few seconds; it touches no consumer
// state (callbacks only run inside the consumer's own poll calls).
void leave_group(rd_kafka_s* handle, bool graceful);

} // namespace flux::bus
