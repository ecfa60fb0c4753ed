#include "flux_bench/message_scan.hpp"

namespace flux_bench {

void scan_native(const char* b, const char* e, int64_t now_real,
                 bool measuring, worker_stats& st, scan_result& r) {
  static constexpr std::string_view type_key = "\"type\":\"";
  static constexpr std::string_view t_us_key = "\"t_us\":";
  const char* p = find(b, e, type_key);
  while (p) {
    const char* v = p + type_key.size();
    const char* next = find(v, e, type_key);
    const char* seg_end = next ? next : e;
    auto rest = static_cast<size_t>(seg_end - v);
    auto is = [&](std::string_view t) {
      return rest > t.size() && std::memcmp(v, t.data(), t.size()) == 0
             && v[t.size()] == '"';
    };
    if (is("event")) {
      ++r.events;
      const char* t = find(v, seg_end, t_us_key);
      int64_t created = 0;
      if (t && parse_int(t + t_us_key.size(), seg_end, created)) {
        if (measuring)
          st.latency_us.record(now_real - created);
      } else if (measuring) {
        ++st.events_no_ts;
      }
    } else if (is("snapshot")) {
      ++r.snapshots;
    } else if (is("subscribed")) {
      ++r.subscribed;
    } else if (is("error")) {
      ++r.errors;
    } else if (is("hello")) {
      r.hello = true;
    } else if (is("authed")) {
      r.authed = true;
    }
    p = next;
  }
}

std::string error_code(const char* b, const char* e) {
  static constexpr std::string_view code_key = "\"code\":\"";
  const char* err = find(b, e, "\"type\":\"error\"");
  // Flux writes "type" first, then "id", then "code".
  const char* c = find(err ? err : b, e, code_key);
  if (!c)
    return "?";
  const char* v = c + code_key.size();
  const char* q = static_cast<const char*>(
    std::memchr(v, '"', static_cast<size_t>(e - v)));
  return q && q - v <= 64 ? std::string(v, q) : "?";
}

void scan_socketio(const char* b, const char* e, int64_t now_real,
                   bool measuring, const options& o, worker_stats& st,
                   scan_result& r) {
  static constexpr std::string_view t_us_key = "\"t_us\":";
  if (b == e)
    return;
  switch (*b) {
    case '0': r.eio_open = true; return;
    case '2': r.eio_ping = true; return;
    case '4': break;
    default: return;
  }
  if (e - b < 2)
    return;
  char t = b[1];
  if (t == '0') {
    r.sio_connected = true;
    return;
  }
  if (t == '4') {
    r.sio_refused = true;
    return;
  }
  if (t != '2')
    return;
  // 42[/ns,][ackid]["name",…]
  const char* p = b + 2;
  if (p < e && *p == '/') {
    const char* comma = static_cast<const char*>(
      std::memchr(p, ',', static_cast<size_t>(e - p)));
    if (!comma)
      return;
    p = comma + 1;
  }
  while (p < e && *p >= '0' && *p <= '9')
    ++p;
  if (e - p < 3 || p[0] != '[' || p[1] != '"')
    return;
  const char* name = p + 2;
  const char* q = static_cast<const char*>(
    std::memchr(name, '"', static_cast<size_t>(e - name)));
  if (!q)
    return;
  std::string_view ev{name, static_cast<size_t>(q - name)};
  if (ev == o.sio_event) {
    // One event, or a batch of them: count every timestamp.
    size_t found = 0;
    for (const char* s = find(q, e, t_us_key); s;
         s = find(s + t_us_key.size(), e, t_us_key)) {
      ++found;
      int64_t created = 0;
      if (measuring && parse_int(s + t_us_key.size(), e, created))
        st.latency_us.record(now_real - created);
    }
    if (found == 0) {
      found = 1;
      if (measuring)
        ++st.events_no_ts;
    }
    r.events += found;
  } else if (ev == o.sio_snapshot) {
    ++r.snapshots;
  } else if (ev == "subscribed") {
    ++r.subscribed;
  } else if (ev == "error") {
    ++r.errors;
  }
}

} // namespace flux_bench
