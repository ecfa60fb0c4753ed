#pragma once

#include "flux_bench/run.hpp"

namespace flux_bench {

// The stream and idle modes (the same steps; they differ in what the
// server sends): connects and subscribes every client within
// --connect-timeout, creates --ready-file, waits up to --await-events for
// the first event, warms up, then measures for --duration.
run_window run_stream(run_env& env);

} // namespace flux_bench
