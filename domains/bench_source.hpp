#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/source.hpp"

// A load source for fixed-rate benchmarks (bench/, scripts/bench). It emits
// `rate` update events per second, round-robin over the stream rooms
// bench.0 … bench.<rooms-1>. The poller's timer has millisecond resolution,
// so every fetch emits the batch of events owed since the start, which keeps
// the long-run rate exact whatever the timer jitter.
//
// Each event's data carries the creation time in CLOCK_REALTIME microseconds,
// so a client on the same machine measures end-to-end latency:
//   {"seq":42,"t_us":1795458909887123,"pad":"xxxx…"}
// (`pad` brings the payload up to `payload_bytes`; absent when not needed).
namespace flux::sim {

struct bench_options {
  double rate = 0;           // events per second over all rooms; 0: none
  size_t rooms = 1;          // bench.0 … bench.<rooms-1>
  size_t payload_bytes = 64; // approximate size of each event's data
  // At most this much time's worth of events in one fetch: after a stall
  // the source catches up in bursts no larger than this.
  int64_t max_catch_up_ms = 1000;
  // When set, nothing is emitted until this file exists; the rate's clock
  // starts then. flux-bench creates it (--ready-file) once every client has
  // subscribed, so connecting does not compete with the load.
  std::string start_file;
};

// "bench.<i>"
std::string bench_room(size_t i);

// True for the rooms this source feeds (they are stream rooms).
bool is_bench_room(const std::string& room);

std::shared_ptr<source> make_bench(bench_options opts);

} // namespace flux::sim
