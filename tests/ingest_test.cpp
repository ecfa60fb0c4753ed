// Webhook ingest: validation, and what it refuses and never echoes.
#include <doctest/doctest.h>

#include <string>

#include "core/utf8.hpp"
#include "gateway/ingest.hpp"

using namespace flux;

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
