#include "gateway/ops_access.hpp"

#include <boost/asio/ip/address.hpp>

#include "core/logger.hpp"
#include "core/secret.hpp"
#include "gateway/bearer.hpp"

namespace flux::gateway {

const char* to_string(ops_mode mode) {
  switch (mode) {
    case ops_mode::open: return "open";
    case ops_mode::token: return "token";
    case ops_mode::closed: return "closed";
  }
  return "closed";
}

bool loopback_address(std::string_view address) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string{address}, ec);
  if (ec)
    return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                            a.to_v6())
      .is_loopback();
  return a.is_loopback();
}

ops_mode decide_ops_mode(const ops_options& opts, std::string_view bind) {
  if (!opts.token.empty())
    return ops_mode::token;
  return opts.open || loopback_address(bind) ? ops_mode::open
                                             : ops_mode::closed;
}

bool is_ops_path(std::string_view path) {
  return path == "/stats" || path == "/metrics";
}

ops_verdict check_ops(ops_mode mode, const ops_options& opts,
                      std::string_view bind, std::string_view authorization) {
  ops_verdict v;
  if (mode == ops_mode::open)
    return v;
  if (mode == ops_mode::closed) {
    v.status = http::status::forbidden;
    v.error = "the ops endpoints (/stats, /metrics) are closed: the gateway "
              "is bound to " + std::string{bind} + ", not a loopback "
              "address, and ops.token is not set; set ops.token (then send "
              "Authorization: Bearer <token>) or ops.open=true (--ops.open)";
    return v;
  }
  auto b = parse_bearer(authorization);
  if (b.result == bearer::state::missing) {
    v.status = http::status::unauthorized;
    v.error = "the ops endpoints need Authorization: Bearer <ops.token>";
  } else if (b.result == bearer::state::malformed) {
    v.status = http::status::forbidden;
    v.error = b.problem;
  } else if (!same_secret(b.token, opts.token)) {
    v.status = http::status::forbidden;
    v.error = "wrong ops token";
  }
  return v;
}

void log_ops_mode(ops_mode mode, std::string_view bind) {
  log::info("gateway", "ops endpoints",
            {{"access", to_string(mode)}, {"bind", std::string{bind}}});
  if (mode == ops_mode::open && !loopback_address(bind))
    log::warn("gateway",
              "the ops endpoints (/stats, /metrics) are open without a token "
              "on a non-loopback address (ops.open); set ops.token to guard "
              "them",
              {{"bind", std::string{bind}}});
}

} // namespace flux::gateway
