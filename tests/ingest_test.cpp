// Webhook ingest: validation, and what it refuses and never echoes; the
// exact "Bearer <token>" and JWTs scoped by their `ingest` claim. JWTs are
// HMAC-signed here with OpenSSL's HMAC() directly, not by libjwt (which the
// verifier uses).
#include <doctest/doctest.h>

#include <string>

#include "core/utf8.hpp"
#include "gateway/bearer.hpp"
#include "gateway/ingest.hpp"
#include "gateway/ingest_auth.hpp"
#include "jwt_test_support.hpp"

using namespace flux;

namespace {

const std::string jwt_secret = "ingest-test-secret-0123456789abcdef";

std::string hs256(const std::string& payload) {
  return tests::hs256_token(R"({"alg":"HS256","typ":"JWT"})", payload,
                            jwt_secret);
}

const int64_t now_s = 1'800'000'000;

gateway::ingest_options jwt_ingest(std::string static_token) {
  gateway::ingest_options o;
  o.token = std::move(static_token);
  gateway::ingest_room room;
  std::string why;
  for (const char* spec : {"ops.incidents:snapshot", "news.wire:snapshot"}) {
    REQUIRE(gateway::parse_ingest_room(spec, room, why));
    o.parsed_rooms.push_back(room);
  }
  auth::auth_options a;
  a.jwt_secret = jwt_secret;
  a.clock_skew_ms = 1000;
  std::vector<std::string> errors;
  o.access = auth::access_policy::load(a, errors);
  REQUIRE(errors.empty());
  return o;
}

} // namespace

TEST_CASE("webhook ingest validation") {
  using gateway::check_ingest;
  gateway::ingest_options o;
  o.token = "tok";
  o.max_events = 3;
  o.max_body_bytes = 1000;
  gateway::ingest_room room;
  std::string why;
  REQUIRE(gateway::parse_ingest_room("ops.incidents:snapshot", room, why));
  o.parsed_rooms.push_back(room);
  REQUIRE(gateway::parse_ingest_room("ops.metrics:stream", room, why));
  CHECK(room.cls == room_class::stream);
  o.parsed_rooms.push_back(room);
  CHECK_FALSE(gateway::parse_ingest_room("Bad:snapshot", room, why));
  CHECK_FALSE(gateway::parse_ingest_room("ok:table", room, why));
  REQUIRE(gateway::parse_ingest_room("plain", room, why));
  CHECK(room.cls == room_class::snapshot);

  auto ok = check_ingest(o, "ops.incidents", "Bearer tok", "application/json",
                         R"({"id":"i1","data":{"n":1}})", 42);
  CHECK(ok.status == gateway::http::status::accepted);
  REQUIRE(ok.events.size() == 1);
  CHECK(ok.events[0].room == "ops.incidents");
  CHECK(ok.events[0].ts == 42);
  CHECK(ok.events[0].source == "ingest");
  CHECK(ok.events[0].data == R"({"n":1})");
  CHECK(ok.body == R"({"accepted":1,"room":"ops.incidents","ids":["i1"]})");

  auto arr = check_ingest(o, "ops.metrics", "Bearer tok", "",
                          R"([{"kind":"update","key":"a","data":1},{"kind":"update","key":"b","data":2}])", 1);
  CHECK(arr.status == gateway::http::status::accepted);
  CHECK(arr.events.size() == 2);

  auto status_of = [&](const std::string& room, const std::string& auth,
                       const std::string& body) {
    return check_ingest(o, room, auth, "application/json", body, 1).status;
  };
  using st = gateway::http::status;
  CHECK(status_of("ops.incidents", "", R"({"data":1})") == st::unauthorized);
  CHECK(status_of("ops.incidents", "Bearer nope", R"({"data":1})") == st::forbidden);
  CHECK(status_of("ops.incidents", "Basic tok", R"({"data":1})") == st::forbidden);
  CHECK(status_of("nope", "Bearer tok", R"({"data":1})") == st::not_found);
  CHECK(status_of("No Such", "Bearer tok", R"({"data":1})") == st::bad_request);
  CHECK(status_of("ops.incidents", "Bearer tok", R"({"room":"other","data":1})")
        == st::bad_request);
  CHECK(status_of("ops.incidents", "Bearer tok", R"([1,2])") == st::bad_request);
  CHECK(status_of("ops.metrics", "Bearer tok",
                  R"([{"kind":"update","key":"a","data":1},{"kind":"update","key":"a","data":1},
                      {"kind":"update","key":"a","data":1},{"kind":"update","key":"a","data":1}])")
        == st::payload_too_large);
  CHECK(status_of("ops.incidents", "Bearer tok", std::string(1001, ' '))
        == st::payload_too_large);
  auto bad = check_ingest(o, "ops.metrics", "Bearer tok", "application/json",
                          R"([{"kind":"update","key":"a","data":1},{"kind":"update","data":2}])", 1);
  CHECK(bad.status == st::bad_request);
  CHECK(bad.events.empty()); // all or nothing
  CHECK(bad.body.find("event 1: an update needs field 'key'") != std::string::npos);
  CHECK(bad.body.find("\"index\":1") != std::string::npos);
  CHECK(check_ingest(o, "ops.incidents", "Bearer tok", "text/plain", "{}", 1).status
        == st::unsupported_media_type);
  gateway::ingest_options off;
  CHECK(check_ingest(off, "ops.incidents", "Bearer tok", "", "{}", 1).status
        == st::not_found);
}

TEST_CASE("ingest refuses an event its room would drop, and never echoes a "
          "path that is not UTF-8") {
  gateway::ingest_options o;
  o.token = "tok";
  o.max_event_bytes = 64;
  gateway::ingest_room room;
  std::string why;
  REQUIRE(gateway::parse_ingest_room("ops.incidents:snapshot", room, why));
  o.parsed_rooms.push_back(room);
  auto big = gateway::check_ingest(o, "ops.incidents", "Bearer tok", "",
                                   R"({"data":")" + std::string(80, 'x')
                                     + R"("})",
                                   1);
  CHECK(big.status == gateway::http::status::payload_too_large);
  CHECK(big.events.empty());
  CHECK(big.body.find("rooms.max-event-bytes") != std::string::npos);
  auto fits = gateway::check_ingest(o, "ops.incidents", "Bearer tok", "",
                                    R"({"data":"small"})", 1);
  CHECK(fits.status == gateway::http::status::accepted);
  auto bad = gateway::check_ingest(o, "a\xFF\xFE", "Bearer tok", "",
                                   R"({"data":1})", 1);
  CHECK(bad.status == gateway::http::status::bad_request);
  CHECK(flux::valid_utf8(bad.body));
}

TEST_CASE("the ingest bearer is exactly 'Bearer <token>' as sent") {
  using gateway::parse_bearer;
  using state = gateway::bearer::state;
  auto ok = parse_bearer("Bearer tok");
  CHECK(ok.result == state::ok);
  CHECK(ok.token == "tok");
  CHECK(parse_bearer("").result == state::missing);
  // What Beast would trim or unfold is seen here (http_session keeps the
  // raw value): trailing white space, obs-fold, a second field.
  for (const char* raw :
       {"Bearer tok ", "Bearer tok\t", "Bearer  tok", "Bearer\ttok",
        "Bearer tok\r\n ", "Bearer tok\r\n\tx", "Bearer tok\nBearer tok",
        "bearer tok", "Basic tok", "Bearer ", "Bearer", "Bearer t\x7fk",
        "Bearer t\xc3\xa9k", "Bearer t k"})
    CHECK_MESSAGE(parse_bearer(raw).result == state::malformed, raw);
  CHECK(std::string{parse_bearer("Bearer tok\nx").problem}.find("one line")
        != std::string::npos);

  gateway::ingest_options o;
  o.token = "Zq9x";
  gateway::ingest_room room;
  std::string why;
  REQUIRE(gateway::parse_ingest_room("ops.incidents:snapshot", room, why));
  o.parsed_rooms.push_back(room);
  using st = gateway::http::status;
  for (const char* raw : {"Bearer Zq9x ", "Bearer Zq9x\t", "Bearer Zq9x\r\n ",
                          "Bearer Zq9x\nBearer Zq9x"}) {
    auto out = gateway::check_ingest(o, "ops.incidents", raw, "",
                                     R"({"data":1})", 1);
    CHECK_MESSAGE(out.status == st::forbidden, raw);
    CHECK(out.events.empty());
    CHECK(out.body.find("Zq9x") == std::string::npos); // never echoed
  }
  CHECK(gateway::check_ingest(o, "ops.incidents", "Bearer Zq9x", "",
                              R"({"data":1})", 1)
          .status
        == st::accepted);
}

TEST_CASE("ingest takes a JWT whose ingest claim covers the room") {
  using st = gateway::http::status;
  auto o = jwt_ingest("static-tok");
  auto exp = std::to_string(now_s + 600);
  auto post = [&](const std::string& token, const std::string& room) {
    return gateway::check_ingest(o, room, "Bearer " + token, "",
                                 R"({"data":1})", now_s * 1000);
  };
  auto scoped = hs256(R"({"sub":"feeder","exp":)" + exp
                      + R"(,"ingest":["ops.*"]})");
  auto ok = post(scoped, "ops.incidents");
  CHECK(ok.status == st::accepted);
  CHECK(ok.sub == "feeder");
  REQUIRE(ok.events.size() == 1);
  CHECK(ok.events[0].room == "ops.incidents");

  // Valid, but not for this room: 403 naming why; logged with the sub.
  auto wrong = post(scoped, "news.wire");
  CHECK(wrong.status == st::forbidden);
  CHECK(wrong.body.find("ingest claim does not cover room 'news.wire'")
        != std::string::npos);
  CHECK(wrong.sub == "feeder");
  CHECK(wrong.events.empty());
  // Scope is checked before the room's declaration: nothing is learned.
  CHECK(post(scoped, "ops.undeclared").status == st::not_found);
  CHECK(post(scoped, "news.undeclared").status == st::forbidden);
  auto none = post(hs256(R"({"sub":"reader","exp":)" + exp
                         + R"(,"rooms":["*"]})"),
                   "ops.incidents");
  CHECK(none.status == st::forbidden);
  CHECK(none.body.find("no ingest claim") != std::string::npos);

  // Refused by the verifier: 401 with its reason, never the token.
  auto expired = post(hs256(R"({"sub":"feeder","exp":)"
                            + std::to_string(now_s - 60)
                            + R"(,"ingest":["*"]})"),
                      "ops.incidents");
  CHECK(expired.status == st::unauthorized);
  CHECK(expired.body.find("token refused: token expired at")
        != std::string::npos);
  CHECK(expired.reason.find("token expired at") == 0);
  auto forged = scoped;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto bad = post(forged, "ops.incidents");
  CHECK(bad.status == st::unauthorized);
  CHECK(bad.body.find("bad signature") != std::string::npos);
  CHECK(bad.body.find(forged) == std::string::npos);

  // The static token still works beside JWTs; anything else is 403.
  CHECK(post("static-tok", "news.wire").status == st::accepted);
  CHECK(post("static-to", "news.wire").status == st::forbidden);
  CHECK(post("static-tok ", "news.wire").status == st::forbidden);

  // JWTs alone (no static token) enable ingest; neither disables it.
  auto only_jwt = jwt_ingest("");
  CHECK(gateway::ingest_enabled(only_jwt));
  CHECK(gateway::check_ingest(only_jwt, "ops.incidents", "Bearer " + scoped,
                              "", R"({"data":1})", now_s * 1000)
          .status
        == st::accepted);
  CHECK(gateway::check_ingest(only_jwt, "ops.incidents", "Bearer ", "",
                              R"({"data":1})", now_s * 1000)
          .status
        == st::forbidden);
  only_jwt.access.reset();
  CHECK_FALSE(gateway::ingest_enabled(only_jwt));
  CHECK(gateway::check_ingest(only_jwt, "ops.incidents", "Bearer " + scoped,
                              "", R"({"data":1})", now_s * 1000)
          .status
        == st::not_found);
}
