// The client's side of the token protocol (docs/protocol.md, "auth"): with
// --auth-token-file a native client waits for `hello`, sends
// {"op":"auth","token":…,"id":0}, and subscribes once `authed` answers it
// (--auth-send=connect: without waiting for hello; pipelined: auth and
// subscribe at once, as the protocol allows).
// A refusal (`unauthorized`, `token_expired`) fails the client and is
// counted by its code; so does a `forbidden` subscribe in churn.
#include "flux_bench/client.hpp"

#include "flux_bench/clock.hpp"
#include "flux_bench/json_text.hpp"
#include "flux_bench/run_state.hpp"

namespace flux_bench {

// At the end of the handshake; --auth-send says what goes now.
void client::start_auth() {
  auth_pending_ = true;
  auto& when = g_opts->auth_send;
  if (when == "hello")
    return; // auth_step() sends it once `hello` came
  send_auth();
  if (when == "pipelined")
    send_subscribes();
}

bool client::auth_step(const char* p, size_t n, const scan_result& r) {
  if (r.hello && t_auth_ == 0)
    send_auth();
  if (r.authed && t_auth_ != 0) {
    auth_pending_ = false;
    w_.st.auth_us.record(mono_us() - t_auth_);
    ++w_.st.auth_ok;
    if (g_opts->auth_send != "pipelined")
      send_subscribes();
    return false;
  }
  if (r.errors > 0 && t_auth_ != 0) {
    ++w_.st.auth_refused;
    refused("auth refused", p, n);
    return true;
  }
  return false;
}

void client::send_auth() {
  auto& tokens = g_opts->auth_tokens;
  const auto& token = tokens[index_ % tokens.size()];
  t_auth_ = mono_us();
  send("{\"op\":\"auth\",\"token\":\"" + json_escape(token)
       + "\",\"id\":0}");
}

// Like fail(), after the handshake (connect_done() has run already).
void client::refused(const std::string& what, const char* p, size_t n) {
  ++w_.st.failed;
  w_.failed_count.fetch_add(1, std::memory_order_relaxed);
  ++w_.st.fail_reasons[what + ": " + error_code(p, p + n)];
  if (churn_) {
    --w_.churn_inflight;
    ++w_.st.churn_failed;
  }
  close_now();
}

} // namespace flux_bench
