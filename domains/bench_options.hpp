#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The bench.* section: the bench source's options (domains/bench_source)
// and the interval its poller runs at.
namespace flux::sim {

struct bench_options {
  double rate = 0;           // events per second over all rooms; 0: none
  size_t rooms = 0;          // bench.0 … bench.<rooms-1>; 0: one
  size_t payload_bytes = 64; // approximate size of each event's data
  // At most this much time's worth of events in one fetch: after a stall
  // the source catches up in bursts no larger than this.
  int64_t max_catch_up_ms = 1000;
  // When set, nothing is emitted until this file exists; the rate's clock
  // starts then. flux-bench creates it (--ready-file) once every client has
  // subscribed, so connecting does not compete with the load.
  std::string start_file;
  int64_t interval_ms = 5; // emit tick; each tick emits what is owed
};

// bench.rooms is checked against rooms.max-rooms by flux_config::validate.
void add_options(caf::config_option_set& set, bench_options& opts);
void check_options(const bench_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux::sim
