#include "flux_bench/report.hpp"

#include <cinttypes>
#include <cstdio>
#include <sstream>
#include <string>

#include "flux_bench/json_text.hpp"
#include "flux_bench/proc_stats.hpp"

namespace flux_bench {

namespace {

// The figures derived from the counts.
struct rates {
  double events_per_s = 0;
  double rooms_n = 0;
  double expected = 0;
  double rss_per_conn = -1;
};

rates derive(const options& o, const worker_stats& total,
             const run_figures& f) {
  rates r;
  auto window_s = f.window.window_s;
  r.events_per_s = window_s > 0 ? static_cast<double>(total.events)
                                    / window_s : 0;
  // Round-robin over R rooms: each subscription gets rate / R events/s.
  r.rooms_n = static_cast<double>(
    o.rooms_list.empty() ? o.rooms : o.rooms_list.size());
  r.expected = o.rate > 0 && o.mode != "churn"
                 ? o.rate / r.rooms_n * static_cast<double>(o.subs)
                     * static_cast<double>(total.ready)
                 : 0;
  int64_t connections = static_cast<int64_t>(total.ready);
  auto rss_end = f.window.rss_end;
  if (f.rss_base > 0 && rss_end > 0 && connections > 0)
    r.rss_per_conn = static_cast<double>(rss_end - f.rss_base) * 1024.0
                     / static_cast<double>(connections);
  return r;
}

// --auth-token-file: how many tokens, accepted and refused, and the time
// from the auth request to `authed`; null without tokens.
std::string auth_json(const options& o, const worker_stats& total) {
  if (o.auth_tokens.empty())
    return "null";
  std::ostringstream j;
  j << "{\"tokens\":" << o.auth_tokens.size() << ",\"send\":\""
    << o.auth_send << "\",\"authed\":"
    << total.auth_ok << ",\"refused\":" << total.auth_refused
    << ",\"auth_ms\":" << hist_ms_json(total.auth_us) << "}";
  return j.str();
}

// The JSON line up to the histograms: the clients' side.
std::string client_fields(const options& o, const worker_stats& total,
                          const run_figures& f, const rates& r) {
  bool churn = o.mode == "churn";
  auto& w = f.window;
  std::ostringstream j;
  j << "{\"tool\":\"flux-bench\",\"label\":\"" << json_escape(o.label)
    << "\",\"protocol\":\"" << o.protocol << "\",\"mode\":\"" << o.mode
    << "\",\"clients\":" << (churn ? total.attempts : o.clients)
    << ",\"threads\":" << o.threads
    << ",\"rooms\":" << static_cast<size_t>(r.rooms_n)
    << ",\"subs_per_client\":" << o.subs
    << ",\"nofile_limit\":" << f.nofile
    << ",\"connected\":" << total.connected
    << ",\"ready\":" << total.ready
    << ",\"failed\":" << total.failed
    << ",\"closed\":" << total.closed
    << ",\"fail_reasons\":" << map_json(total.fail_reasons)
    << ",\"close_reasons\":" << map_json(total.close_reasons)
    << ",\"server_errors\":" << total.server_errors
    << ",\"connect_s\":" << num(w.connect_s)
    << ",\"connect_timed_out\":" << (w.connect_timed_out ? "true" : "false")
    << ",\"await_events_s\":" << num(w.await_s)
    << ",\"warmup_s\":" << num(o.warmup_s)
    << ",\"window_s\":" << num(w.window_s)
    << ",\"events\":" << total.events
    << ",\"events_per_s\":" << num(r.events_per_s, 1)
    << ",\"expected_per_s\":" << num(r.expected, 1)
    << ",\"delivery_ratio\":"
    << (r.expected > 0 ? num(r.events_per_s / r.expected, 4) : "null")
    << ",\"events_without_t_us\":" << total.events_no_ts
    << ",\"messages\":" << total.messages
    << ",\"bytes\":" << total.bytes
    << ",\"bytes_per_s\":" << num(w.window_s > 0 ? static_cast<double>(
                                                     total.bytes) / w.window_s
                                                 : 0, 0)
    << ",\"events_total\":" << total.events_total
    << ",\"bytes_total\":" << total.bytes_total
    << ",\"latency_ms\":" << hist_ms_json(total.latency_us)
    << ",\"latency_negative\":" << total.latency_us.negative()
    << ",\"connect_ms\":" << hist_ms_json(total.connect_us)
    << ",\"snapshot_ms\":" << hist_ms_json(total.snapshot_us)
    << ",\"subscribe_to_snapshot_ms\":" << hist_ms_json(total.sub_snap_us)
    << ",\"auth\":" << auth_json(o, total);
  return j.str();
}

// The rest of the JSON line: churn, the server, this process, the machine.
std::string run_fields(const options& o, const worker_stats& total,
                       const run_figures& f, const rates& r) {
  auto& w = f.window;
  std::ostringstream j;
  if (o.mode == "churn")
    j << ",\"churn\":{\"rate\":" << num(o.churn_rate, 1)
      << ",\"started\":" << total.churn_started
      << ",\"completed\":" << total.churn_done
      << ",\"failed\":" << total.churn_failed
      << ",\"skipped\":" << total.churn_skipped
      << ",\"completed_per_s\":"
      << num(w.window_s > 0 ? static_cast<double>(total.churn_done)
                                / w.window_s
                            : 0, 1)
      << "}";
  j << ",\"server\":{\"pid\":" << o.server_pid
    << ",\"rss_base_kb\":" << f.rss_base << ",\"rss_start_kb\":" << w.rss_start
    << ",\"rss_end_kb\":" << w.rss_end << ",\"rss_max_kb\":" << f.rss_max
    << ",\"rss_per_conn_bytes\":"
    << (r.rss_per_conn >= 0 ? num(r.rss_per_conn, 0) : "null")
    << ",\"cpu_pct\":"
    << (w.server_cpu_s >= 0 && w.window_s > 0
          ? num(w.server_cpu_s / w.window_s * 100, 1) : "null")
    // CPU time the server spent per delivered event: less sensitive to
    // other load on the machine than throughput or latency.
    << ",\"cpu_us_per_event\":"
    << (w.server_cpu_s >= 0 && total.events > 0
          ? num(w.server_cpu_s * 1e6 / static_cast<double>(total.events), 2)
          : "null")
    << "},\"bench_cpu_pct\":"
    << num(w.window_s > 0 ? w.self_cpu / w.window_s * 100 : 0, 1);
  if (o.validate)
    j << ",\"validate\":{\"messages\":" << total.validated
      << ",\"mismatch\":" << total.validate_mismatch
      << ",\"bad_json\":" << total.validate_bad_json << "}";
  j << ",\"loadavg\":[" << num(f.load_begin, 2) << "," << num(loadavg1(), 2)
    << "]";
  j << ",\"deadline_hit\":" << (f.deadline_hit ? "true" : "false") << "}";
  return j.str();
}

double server_cpu_pct(const run_window& w) {
  return w.server_cpu_s >= 0 && w.window_s > 0
           ? w.server_cpu_s / w.window_s * 100 : -1;
}

std::string auth_note(const options& o, const worker_stats& total) {
  if (o.auth_tokens.empty())
    return "";
  return "; auth: " + std::to_string(total.auth_ok) + " authed, "
         + std::to_string(total.auth_refused) + " refused, auth->authed p50 "
         + num(total.auth_us.quantile(0.5) / 1000, 2) + " ms p99 "
         + num(total.auth_us.quantile(0.99) / 1000, 2) + " ms";
}

void print_churn_line(const options& o, const worker_stats& total,
                      const run_figures& f) {
  std::printf(
    "flux-bench %s churn: %" PRIu64 " started at %.0f/s, %" PRIu64
    " completed, %" PRIu64 " failed, %" PRIu64 " skipped; snapshot p50 %.2f ms"
    " p99 %.2f ms p99.9 %.2f ms; server RSS %.1f MB, CPU %.0f%%%s\n",
    o.protocol.c_str(), total.churn_started, o.churn_rate, total.churn_done,
    total.churn_failed, total.churn_skipped,
    total.snapshot_us.quantile(0.5) / 1000,
    total.snapshot_us.quantile(0.99) / 1000,
    total.snapshot_us.quantile(0.999) / 1000,
    static_cast<double>(f.window.rss_end) / 1024.0, server_cpu_pct(f.window),
    auth_note(o, total).c_str());
}

void print_stream_line(const options& o, const worker_stats& total,
                       const run_figures& f, const rates& r) {
  auto& w = f.window;
  auto lat = [&](double q) { return total.latency_us.quantile(q) / 1000; };
  std::printf(
    "flux-bench %s %s: %" PRIu64 "/%zu ready, %" PRIu64 " failed, %" PRIu64
    " closed; %.0f events/s%s; latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms"
    "; %.1f MB/s; server RSS %.1f MB (%.0f B/conn), CPU %.0f%%; bench CPU "
    "%.0f%%\n",
    o.protocol.c_str(), o.mode.c_str(), total.ready, o.clients, total.failed,
    total.closed, r.events_per_s,
    r.expected > 0 ? (" (" + num(r.events_per_s / r.expected * 100, 1)
                      + "% of expected)").c_str()
                   : "",
    lat(0.5), lat(0.99), lat(0.999),
    w.window_s > 0 ? static_cast<double>(total.bytes) / w.window_s / 1e6 : 0,
    static_cast<double>(w.rss_end) / 1024.0, r.rss_per_conn,
    server_cpu_pct(w), w.window_s > 0 ? w.self_cpu / w.window_s * 100 : 0);
}

} // namespace

void print_results(const options& o, const worker_stats& total,
                   const run_figures& f) {
  auto r = derive(o, total, f);
  auto line = client_fields(o, total, f, r) + run_fields(o, total, f, r);
  std::printf("%s\n", line.c_str());
  if (o.mode == "churn")
    print_churn_line(o, total, f);
  else
    print_stream_line(o, total, f, r);
}

} // namespace flux_bench
