#pragma once

#include <cstdint>
#include <string>

// Process-level figures and clocks used by logs, events and /stats.
namespace flux {

// Milliseconds since the Unix epoch (wall clock, shared by all processes on
// the machine, so freshness can be measured across processes).
int64_t now_ms();

// Current time as an ISO 8601 UTC string with milliseconds.
std::string iso8601_now();

// Resident set size of this process in bytes (from /proc/self/statm).
uint64_t resident_bytes();

// Seconds since this process started (first call to process_start_ms()).
int64_t process_start_ms();

// A short random hex string, e.g. for log epochs and session ids.
std::string random_hex(size_t chars);

// A random value in [0, 1) from a per-thread generator: the jitter of
// retries and restarts, so that parts failing together spread out.
double random_unit();

} // namespace flux
