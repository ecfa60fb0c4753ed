#include "flux_bench/worker_stats.hpp"

namespace flux_bench {

void worker_stats::add(const worker_stats& s) {
  attempts += s.attempts;
  connected += s.connected;
  ready += s.ready;
  failed += s.failed;
  closed += s.closed;
  server_errors += s.server_errors;
  for (auto& [k, v] : s.fail_reasons)
    fail_reasons[k] += v;
  for (auto& [k, v] : s.close_reasons)
    close_reasons[k] += v;
  events += s.events;
  messages += s.messages;
  bytes += s.bytes;
  events_no_ts += s.events_no_ts;
  latency_us.merge(s.latency_us);
  events_total += s.events_total;
  bytes_total += s.bytes_total;
  connect_us.merge(s.connect_us);
  snapshot_us.merge(s.snapshot_us);
  sub_snap_us.merge(s.sub_snap_us);
  auth_us.merge(s.auth_us);
  auth_ok += s.auth_ok;
  auth_refused += s.auth_refused;
  churn_started += s.churn_started;
  churn_done += s.churn_done;
  churn_failed += s.churn_failed;
  churn_skipped += s.churn_skipped;
  validated += s.validated;
  validate_mismatch += s.validate_mismatch;
  validate_bad_json += s.validate_bad_json;
}

} // namespace flux_bench
