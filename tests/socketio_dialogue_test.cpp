#include <doctest/doctest.h>

#include "wire/close_code.hpp"
#include "wire/socketio_dialogue.hpp"

using namespace flux;
using socketio::dialogue;

namespace {

socketio::dialogue_options options(std::string token = {}) {
  socketio::dialogue_options o;
  o.auth_token = std::move(token);
  o.ping_interval_ms = 1000;
  o.ping_timeout_ms = 500;
  o.connect_timeout_ms = 3000;
  o.max_payload = 4096;
  return o;
}

} // namespace

TEST_CASE("socketio dialogue: the open packet starts the heartbeat and the "
          "CONNECT deadline") {
  dialogue d{options()};
  auto open = d.open(10000);
  CHECK(open.rfind("0{\"sid\":\"", 0) == 0);
  CHECK(open.find("\"pingInterval\":1000") != std::string::npos);
  CHECK(open.find("\"maxPayload\":4096") != std::string::npos);
  CHECK(d.next_deadline() == 11000); // the first ping, before the CONNECT's
  CHECK_FALSE(d.connected());
  auto early = d.on_deadline(10999);
  CHECK(early.send.empty());
  CHECK(early.close_code == 0);
}

TEST_CASE("socketio dialogue: CONNECT to / is accepted once, with one sid") {
  dialogue d{options()};
  d.open(0);
  auto first = d.on_message("40", 5);
  REQUIRE(first.send.size() == 1);
  CHECK(first.send[0].rfind("40{\"sid\":\"", 0) == 0);
  CHECK(d.connected());
  auto again = d.on_message("40", 6);
  REQUIRE(again.send.size() == 1);
  CHECK(again.send[0] == first.send[0]);
  CHECK(again.close_code == 0);
}

TEST_CASE("socketio dialogue: no CONNECT in time closes with policy") {
  dialogue d{options()};
  d.open(0);
  d.on_deadline(1000); // a ping
  d.on_message("3", 1100);
  auto late = d.on_deadline(3000);
  CHECK(late.close_code == close_code::policy);
  CHECK(late.close_reason == "no Socket.IO CONNECT within 3000 ms");
}

TEST_CASE("socketio dialogue: a ping every interval, and no pong in time "
          "closes") {
  dialogue d{options()};
  d.open(0);
  d.on_message("40", 1);
  auto ping = d.on_deadline(1000);
  REQUIRE(ping.send.size() == 1);
  CHECK(ping.send[0] == "2");
  CHECK(d.next_deadline() == 1500); // the pong awaited
  d.on_message("3", 1200);
  CHECK(d.next_deadline() == 2000); // the next ping
  d.on_deadline(2000);
  auto timeout = d.on_deadline(2500);
  CHECK(timeout.close_code == 1000);
  CHECK(timeout.close_reason == "ping timeout");
}

TEST_CASE("socketio dialogue: a wrong token is refused after a delay, and "
          "the third refusal closes") {
  dialogue d{options("s3cret")};
  d.open(0);
  auto wrong = d.on_message("40{\"token\":\"guess\"}", 100);
  CHECK(wrong.send.empty()); // not yet: the answer waits
  CHECK(wrong.close_code == 0);
  CHECK(d.next_deadline() == 100 + socketio::connect_refusal_delay_ms);
  auto pending = d.on_message("40{\"token\":\"again\"}", 200);
  CHECK(pending.close_code == close_code::policy);
  CHECK(pending.close_reason == "CONNECT while a refused CONNECT is pending");

  auto slow = options("s3cret"); // no ping or CONNECT deadline in the way
  slow.ping_interval_ms = slow.connect_timeout_ms = 100000;
  dialogue e{slow};
  e.open(0);
  for (int i = 1; i <= 3; ++i) {
    e.on_message("40{\"token\":\"guess\"}", i * 1000);
    auto answer = e.on_deadline(i * 1000 + 500);
    REQUIRE(!answer.send.empty());
    CHECK(answer.send[0] == socketio::connect_error("/", "Not authorized"));
    CHECK(answer.close_code == (i < 3 ? 0 : close_code::policy));
  }
  CHECK_FALSE(e.connected());
  dialogue f{options("s3cret")};
  f.open(0);
  CHECK(f.on_message("40{\"token\":\"s3cret\"}", 1).send.size() == 1);
  CHECK(f.connected());
}

TEST_CASE("socketio dialogue: other namespaces are refused, three times at "
          "most") {
  dialogue d{options()};
  d.open(0);
  for (int i = 1; i <= 3; ++i) {
    auto s = d.on_message("40/admin,", i);
    REQUIRE(s.send.size() == 1);
    CHECK(s.send[0] == socketio::connect_error("/admin", "Invalid namespace"));
    CHECK(s.close_code == (i < 3 ? 0 : close_code::policy));
  }
}

TEST_CASE("socketio dialogue: events become native requests with the ack "
          "id") {
  dialogue d{options()};
  d.open(0);
  auto before = d.on_message("42[\"subscribe\",{\"room\":\"a\"}]", 1);
  CHECK(before.close_code == 1002);
  CHECK_FALSE(before.has_request);
  d.on_message("40", 2);
  auto s = d.on_message("427[\"subscribe\",{\"room\":\"a\"}]", 3);
  REQUIRE(s.has_request);
  CHECK(s.request == "{\"op\":\"subscribe\",\"room\":\"a\"}");
  CHECK(s.request_id == "7");
  auto bare = d.on_message("42[\"ping\"]", 4);
  REQUIRE(bare.has_request);
  CHECK(bare.request == "{\"op\":\"ping\"}");
  CHECK(bare.request_id == "null");
  CHECK(socketio::answer("7", "{\"type\":\"ok\"}")
        == socketio::ack(7, "{\"type\":\"ok\"}"));
  CHECK(socketio::answer("null", "{\"type\":\"ok\"}")
        == socketio::from_frame("{\"type\":\"ok\"}"));
}

TEST_CASE("socketio dialogue: client pings, closes and malformed packets") {
  dialogue d{options()};
  d.open(0);
  auto probe = d.on_message("2probe", 1);
  CHECK(probe.pong == "3probe");
  CHECK(probe.send.empty());
  CHECK(d.on_message("41", 2).close_reason == "client disconnected");
  auto bad = d.on_message("9", 3);
  CHECK(bad.malformed);
  CHECK(bad.close_code == 1002);
  CHECK(bad.close_reason.rfind("malformed Socket.IO packet: ", 0) == 0);
}
