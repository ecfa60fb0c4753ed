#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "flux_bench/histogram.hpp"

namespace flux_bench {

// What one I/O thread counted; summed over the threads after the run.
struct worker_stats {
  // connection lifecycle
  uint64_t attempts = 0;
  uint64_t connected = 0; // WebSocket handshake done
  uint64_t ready = 0;     // subscribed with the snapshot of every room
  uint64_t failed = 0;    // connect or handshake failed
  uint64_t closed = 0;    // closed after connecting (by the server or error)
  uint64_t server_errors = 0; // error frames
  std::map<std::string, uint64_t> fail_reasons;
  std::map<std::string, uint64_t> close_reasons;
  // measured window
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t events_no_ts = 0;
  histogram latency_us;
  // whole run
  uint64_t events_total = 0;
  uint64_t bytes_total = 0;
  histogram connect_us;   // connect start -> handshake done
  histogram snapshot_us;  // connect start -> last snapshot
  histogram sub_snap_us;  // subscribe sent -> last snapshot
  // --auth-token-file
  histogram auth_us;      // auth request sent -> authed
  uint64_t auth_ok = 0;
  uint64_t auth_refused = 0;
  // churn
  uint64_t churn_started = 0;
  uint64_t churn_done = 0;
  uint64_t churn_failed = 0;
  uint64_t churn_skipped = 0;
  // validation
  uint64_t validated = 0;
  uint64_t validate_mismatch = 0;
  uint64_t validate_bad_json = 0;

  // Adds the counts of s to these.
  void add(const worker_stats& s);
};

} // namespace flux_bench
