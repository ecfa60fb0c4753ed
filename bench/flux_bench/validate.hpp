#pragma once

#include <cstddef>

#include "flux_bench/message_scan.hpp"
#include "flux_bench/options.hpp"
#include "flux_bench/worker_stats.hpp"

namespace flux_bench {

// Cross-checks the fast scanner's result r for message [p, p + size) with a
// real JSON parse (RapidJSON): counts into st's validate_* fields.
void validate_message(const char* p, size_t size, const scan_result& r,
                      const options& o, worker_stats& st);

} // namespace flux_bench
