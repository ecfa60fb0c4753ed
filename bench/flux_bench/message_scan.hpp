#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "flux_bench/options.hpp"
#include "flux_bench/worker_stats.hpp"

namespace flux_bench {

// What a message told us, for the client's state machine.
struct scan_result {
  size_t events = 0;
  size_t snapshots = 0;
  size_t subscribed = 0;
  size_t errors = 0;
  bool hello = false;
  bool authed = false;
  // socketio
  bool eio_open = false;
  bool sio_connected = false;
  bool eio_ping = false;
  bool sio_refused = false;
};

// The fast scanners: they look for the few keys they need instead of
// parsing the JSON (--validate cross-checks them with a real parse). Each
// counts what the message holds into r and, while measuring, records each
// event's latency (now_real minus its "t_us") into st.

// The native protocol: one frame or an array of them.
void scan_native(const char* b, const char* e, int64_t now_real,
                 bool measuring, worker_stats& st, scan_result& r);

// Engine.IO / Socket.IO packets; event names from o.
void scan_socketio(const char* b, const char* e, int64_t now_real,
                   bool measuring, const options& o, worker_stats& st,
                   scan_result& r);

// The "code" of the first error frame in [b, e) ("?" if none is found).
std::string error_code(const char* b, const char* e);

// needle in [b, e), or nullptr.
inline const char* find(const char* b, const char* e, std::string_view needle) {
  if (b >= e)
    return nullptr;
  return static_cast<const char*>(memmem(b, static_cast<size_t>(e - b),
                                         needle.data(), needle.size()));
}

// Parses the integer after `"t_us":` at p (p points past the colon).
inline bool parse_int(const char* p, const char* e, int64_t& out) {
  while (p < e && *p == ' ')
    ++p;
  int64_t v = 0;
  const char* start = p;
  while (p < e && *p >= '0' && *p <= '9')
    v = v * 10 + (*p++ - '0');
  if (p == start)
    return false;
  out = v;
  return true;
}

} // namespace flux_bench
