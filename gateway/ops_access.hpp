#pragma once

#include <string>
#include <string_view>

#include "gateway/beast.hpp"
#include "gateway/ops_options.hpp"

// Who may read the operators' endpoints: /stats (also ?scope=cluster) and
// /metrics show every actor, session, subject and figure of the node. The
// load balancer's probes, /healthz and /readyz, stay open (they say only
// whether the node serves), as do the dashboard and /ws.
//
// - ops.token set: `Authorization: Bearer <token>` exactly
//   (gateway/bearer.hpp), compared in constant time; none: 401 with a
//   challenge, anything else: 403.
// - no token, gateway.bind a loopback address (127.0.0.0/8, ::1): open, as
//   before (the tests and ./scripts/run bind 127.0.0.1).
// - no token, any other bind: 403 saying how to open them, unless
//   ops.open=true (then open, and the node warns at start).
namespace flux::gateway {

enum class ops_mode { open, token, closed };

const char* to_string(ops_mode mode);

// An IP address (as gateway.bind takes it) on the loopback interface; an
// IPv4-mapped IPv6 loopback (::ffff:127.0.0.1) too.
bool loopback_address(std::string_view address);

ops_mode decide_ops_mode(const ops_options& opts, std::string_view bind);

bool is_ops_path(std::string_view path);

struct ops_verdict {
  http::status status = http::status::ok; // ok: serve it
  std::string error;                      // the JSON error's text
};

// `authorization`: the raw header value (http_session keeps it).
ops_verdict check_ops(ops_mode mode, const ops_options& opts,
                      std::string_view bind, std::string_view authorization);

// One line at start: how the ops endpoints are guarded; a warning when
// they are open on a non-loopback address.
void log_ops_mode(ops_mode mode, std::string_view bind);

} // namespace flux::gateway
