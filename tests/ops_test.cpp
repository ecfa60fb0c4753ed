// Who may read /stats and /metrics (gateway/ops_access.hpp): the decision
// from ops.* and gateway.bind, the bearer check, the options' checks, and
// route() refusing on a context bound (in its options only: nothing listens)
// to a non-loopback address.
#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include <caf/all.hpp>

#include "gateway/context.hpp"
#include "gateway/ops_access.hpp"
#include "gateway/routes.hpp"

using namespace flux;
using gateway::ops_mode;
using st = gateway::http::status;

TEST_CASE("ops endpoints: open on loopback only, unless a token or ops.open") {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"})
    CHECK_MESSAGE(gateway::loopback_address(a), a);
  for (const char* a : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.5",
                        "::ffff:10.0.0.1", "fe80::1", "localhost", ""})
    CHECK_MESSAGE(!gateway::loopback_address(a), a);

  gateway::ops_options none, open, token;
  open.open = true;
  token.token = "ops-secret";
  CHECK(gateway::decide_ops_mode(none, "127.0.0.1") == ops_mode::open);
  CHECK(gateway::decide_ops_mode(none, "::1") == ops_mode::open);
  CHECK(gateway::decide_ops_mode(none, "0.0.0.0") == ops_mode::closed);
  CHECK(gateway::decide_ops_mode(none, "10.0.0.1") == ops_mode::closed);
  CHECK(gateway::decide_ops_mode(open, "0.0.0.0") == ops_mode::open);
  CHECK(gateway::decide_ops_mode(token, "127.0.0.1") == ops_mode::token);
  CHECK(gateway::decide_ops_mode(token, "0.0.0.0") == ops_mode::token);

  CHECK(gateway::is_ops_path("/stats"));
  CHECK(gateway::is_ops_path("/metrics"));
  for (const char* p : {"/healthz", "/readyz", "/", "/index.html", "/ws",
                        "/stats/", "/metricsx"})
    CHECK_MESSAGE(!gateway::is_ops_path(p), p);
}

TEST_CASE("ops token: none 401, wrong or not exact 403, right passes") {
  gateway::ops_options o;
  o.token = "ops-secret";
  auto check = [&](std::string_view auth) {
    return gateway::check_ops(ops_mode::token, o, "0.0.0.0", auth);
  };
  CHECK(check("Bearer ops-secret").status == st::ok);
  CHECK(check("").status == st::unauthorized);
  for (const char* a :
       {"Bearer ops-secre", "Bearer ops-secretx", "Bearer ops-secret ",
        "Bearer  ops-secret", "bearer ops-secret", "ops-secret",
        "Bearer ops-secret\r\n ", "Bearer ops-secret\nBearer ops-secret"}) {
    auto v = check(a);
    CHECK_MESSAGE(v.status == st::forbidden, a);
    CHECK(v.error.find("ops-secret") == std::string::npos); // never echoed
  }
  auto closed = gateway::check_ops(ops_mode::closed, {}, "0.0.0.0",
                                   "Bearer anything");
  CHECK(closed.status == st::forbidden);
  CHECK(closed.error.find("bound to 0.0.0.0") != std::string::npos);
  CHECK(closed.error.find("ops.token") != std::string::npos);
  CHECK(closed.error.find("ops.open=true") != std::string::npos);
  CHECK(gateway::check_ops(ops_mode::open, {}, "127.0.0.1", "").status
        == st::ok);

  std::vector<std::string> errors;
  gateway::ops_options both;
  both.open = true;
  both.token = "t";
  gateway::check_options(both, errors);
  gateway::ops_options spaced;
  spaced.token = "two words";
  gateway::check_options(spaced, errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].find("exclude each other") != std::string::npos);
  CHECK(errors[1].find("visible ASCII") != std::string::npos);
}

namespace {

// route()'s answer when it answers at once (the refusals and /healthz do).
std::optional<gateway::response>
answer(const std::shared_ptr<gateway::context>& ctx, const char* target,
       std::string_view auth = {}) {
  gateway::http::request<gateway::http::string_body> req{
    gateway::http::verb::get, target, 11};
  std::optional<gateway::response> out;
  gateway::route(ctx, req, auth,
                 [&](gateway::response r) { out = std::move(r); });
  return out;
}

} // namespace

TEST_CASE("a gateway bound to a non-loopback address without ops.token "
          "refuses /stats and /metrics, not its probes") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  gateway::options o;
  o.bind = "0.0.0.0";
  auto ctx = std::make_shared<gateway::context>(sys, o, node_actor{},
                                                room_directory_actor{});
  CHECK(ctx->ops == ops_mode::closed);
  for (const char* t : {"/stats", "/stats?scope=cluster", "/metrics"}) {
    auto r = answer(ctx, t);
    REQUIRE_MESSAGE(r, t);
    CHECK(r->result() == st::forbidden);
    CHECK(r->body().find("ops.token") != std::string::npos);
  }
  auto health = answer(ctx, "/healthz");
  REQUIRE(health);
  CHECK(health->result() == st::ok);

  o.ops.token = "ops-secret";
  auto guarded = std::make_shared<gateway::context>(sys, o, node_actor{},
                                                    room_directory_actor{});
  CHECK(guarded->ops == ops_mode::token);
  auto none = answer(guarded, "/metrics");
  REQUIRE(none);
  CHECK(none->result() == st::unauthorized);
  CHECK((*none)[gateway::http::field::www_authenticate]
        == "Bearer realm=\"flux-ops\"");
  auto wrong = answer(guarded, "/stats", "Bearer nope");
  REQUIRE(wrong);
  CHECK(wrong->result() == st::forbidden);
}
