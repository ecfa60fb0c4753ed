#pragma once

#include "flux_bench/run.hpp"

namespace flux_bench {

// The churn mode: for --duration, clients connect, subscribe, wait for
// their snapshots and leave at --churn-rate; then those in flight may
// finish (5 s at most). The measured window spans both.
run_window run_churn(run_env& env);

} // namespace flux_bench
