#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/bench_options.hpp"
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

// "bench.<i>"
std::string bench_room(size_t i);

// True for the rooms this source feeds (they are stream rooms).
bool is_bench_room(const std::string& room);

std::shared_ptr<source> make_bench(bench_options opts);

} // namespace flux::sim
