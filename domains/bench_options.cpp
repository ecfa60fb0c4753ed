#include "domains/bench_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux::sim {

void add_options(caf::config_option_set& set, bench_options& opts) {
  caf::config_option_adder{set, "bench"}
    .add(opts.rate, "rate",
         "benchmark events per second over the bench.* rooms (0: off)")
    .add(opts.rooms, "rooms",
         "bench rooms bench.0 … (0: one when rate > 0; with rate 0 the rooms "
         "exist but stay idle)")
    .add(opts.payload_bytes, "payload-bytes",
         "size of each bench event's data")
    .add(opts.interval_ms, "interval-ms",
         "bench emit tick; every tick emits the events owed")
    .add(opts.start_file, "start-file",
         "emit nothing until this file exists (flux-bench --ready-file)");
}

void check_options(const bench_options& opts,
                   std::vector<std::string>& errors) {
  need(errors, opts.rate >= 0 && opts.rate <= 10e6,
       "bench.rate must be between 0 and 10000000");
  need(errors, opts.payload_bytes <= (1u << 20),
       "bench.payload-bytes must be at most 1048576");
  need(errors, opts.interval_ms >= 1 && opts.interval_ms <= 1000,
       "bench.interval-ms must be between 1 and 1000");
}

} // namespace flux::sim
