#include "gateway/prometheus.hpp"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "core/json.hpp"
#include "core/process.hpp"

namespace flux::gateway {

namespace {

std::string metric_name(std::string kind, const std::string& field) {
  std::string n = "flux_" + kind + "_" + field;
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_';
  return n;
}

std::string label_value(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"')
      o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

// Every actor's numeric fields: a line per actor and field, by metric name;
// sessions summed per field instead.
struct actor_series {
  std::map<std::string, std::vector<std::string>> lines;
  std::map<std::string, double> session_sums;
  uint64_t sessions = 0;
};

void add_actor(actor_series& out, const rapidjson::Value& a) {
  if (!a.IsObject() || !a.HasMember("kind") || !a["kind"].IsString())
    return;
  std::string kind = a["kind"].GetString();
  std::string name = a.HasMember("name") && a["name"].IsString()
                       ? a["name"].GetString()
                       : "";
  if (kind == "session")
    ++out.sessions;
  for (auto& m : a.GetObject()) {
    if (!m.value.IsNumber() && !m.value.IsBool())
      continue;
    std::string field = m.name.GetString();
    if (field == "id")
      continue;
    double v = m.value.IsBool() ? (m.value.GetBool() ? 1 : 0)
                                : m.value.GetDouble();
    if (kind == "session") {
      out.session_sums[field] += v;
      continue;
    }
    std::ostringstream line;
    line << metric_name(kind, field) << "{name=\"" << label_value(name)
         << "\"} " << v << "\n";
    out.lines[metric_name(kind, field)].push_back(line.str());
  }
}

void write_process_series(std::ostringstream& out, const context& ctx) {
  out << "# TYPE flux_process_rss_bytes gauge\nflux_process_rss_bytes "
      << resident_bytes() << "\n";
  out << "# TYPE flux_process_uptime_seconds gauge\nflux_process_uptime_seconds "
      << (now_ms() - process_start_ms()) / 1000 << "\n";
  out << "# TYPE flux_gateway_connections gauge\nflux_gateway_connections "
      << ctx.websockets.load() << "\n";
  out << "# TYPE flux_gateway_accepted_total counter\n"
         "flux_gateway_accepted_total "
      << ctx.accepted.load() << "\n";
  out << "# TYPE flux_gateway_rejected_total counter\n"
         "flux_gateway_rejected_total "
      << ctx.rejected.load() << "\n";
}

} // namespace

std::string prometheus(const std::string& status, const context& ctx) {
  rapidjson::Document doc;
  json::parse(doc, status); // on failure doc is null: no metrics
  bool parsed = !doc.HasParseError() && doc.IsObject();
  actor_series series;
  if (parsed && doc.HasMember("actors") && doc["actors"].IsArray())
    for (auto& a : doc["actors"].GetArray())
      add_actor(series, a);
  std::ostringstream out;
  for (auto& [name, lines] : series.lines) {
    out << "# TYPE " << name << " gauge\n";
    for (auto& l : lines)
      out << l;
  }
  // The node's state: one gauge per state, 1 for the current one (labelled
  // like every other series, by name only).
  std::string state;
  if (parsed && doc.HasMember("state") && doc["state"].IsString())
    state = doc["state"].GetString();
  for (const char* s : {"ok", "degraded", "not_ready"})
    out << "# TYPE flux_node_status_" << s << " gauge\nflux_node_status_" << s
        << "{name=\"node\"} " << (state == s ? 1 : 0) << "\n";
  out << "# TYPE flux_sessions gauge\nflux_sessions " << series.sessions
      << "\n";
  for (auto& [field, v] : series.session_sums)
    out << "# TYPE " << metric_name("sessions", field) << " gauge\n"
        << metric_name("sessions", field) << " " << v << "\n";
  write_process_series(out, ctx);
  return out.str();
}

} // namespace flux::gateway
