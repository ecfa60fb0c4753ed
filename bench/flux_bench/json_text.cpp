#include "flux_bench/json_text.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace flux_bench {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v, int prec) {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string hist_ms_json(const histogram& h) {
  std::ostringstream o;
  o << "{\"samples\":" << h.count()
    << ",\"p50\":" << num(h.quantile(0.50) / 1000)
    << ",\"p90\":" << num(h.quantile(0.90) / 1000)
    << ",\"p99\":" << num(h.quantile(0.99) / 1000)
    << ",\"p999\":" << num(h.quantile(0.999) / 1000)
    << ",\"max\":" << num(static_cast<double>(h.max()) / 1000)
    << ",\"mean\":" << num(h.mean() / 1000) << "}";
  return o.str();
}

std::string map_json(const std::map<std::string, uint64_t>& m) {
  std::string out = "{";
  bool first = true;
  for (auto& [k, v] : m) {
    if (!first)
      out += ',';
    first = false;
    out += "\"" + json_escape(k) + "\":" + std::to_string(v);
  }
  return out + "}";
}

} // namespace flux_bench
