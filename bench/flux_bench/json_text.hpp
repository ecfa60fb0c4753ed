#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "flux_bench/histogram.hpp"

namespace flux_bench {

// s with `"`, `\` and control characters escaped, for a JSON string.
std::string json_escape(const std::string& s);

// v with prec decimals; "null" if it is not finite.
std::string num(double v, int prec = 3);

// Quantiles of a histogram in µs, written in ms.
std::string hist_ms_json(const histogram& h);

// A JSON object of counts by name.
std::string map_json(const std::map<std::string, uint64_t>& m);

} // namespace flux_bench
