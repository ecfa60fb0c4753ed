#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "wire/frame.hpp"
#include "wire/socketio.hpp"

using namespace flux;
using kind = socketio::packet::kind;

namespace {

struct parsed {
  bool ok;
  socketio::packet p;
  std::string why;
};

parsed parse(std::string_view text) {
  parsed r;
  r.ok = socketio::parse(text, r.p, r.why);
  return r;
}

// Refused, with a reason that mentions `what`.
void refused(std::string_view text, std::string_view what) {
  auto r = parse(text);
  INFO("packet: " << std::string{text.substr(0, 80)});
  CHECK_FALSE(r.ok);
  CHECK(r.why.find(what) != std::string::npos);
}

} // namespace

TEST_CASE("socketio parses the Engine.IO packets") {
  CHECK(parse("1").p.type == kind::close);
  CHECK(parse("6").p.type == kind::noop);
  auto ping = parse("2");
  REQUIRE(ping.ok);
  CHECK(ping.p.type == kind::ping);
  CHECK(ping.p.data.empty());
  auto probe = parse("2probe");
  REQUIRE(probe.ok);
  CHECK(probe.p.data == "probe");
  auto pong = parse("3");
  REQUIRE(pong.ok);
  CHECK(pong.p.type == kind::pong);
  refused("", "empty");
  refused("0", "unknown Engine.IO");
  refused("5", "unknown Engine.IO");
  refused("x", "unknown Engine.IO");
  refused("2" + std::string(17, 'p'), "longer than 16");
  CHECK(parse("2" + std::string(16, 'p')).ok);
}

TEST_CASE("socketio parses CONNECT with and without auth and namespace") {
  auto plain = parse("40");
  REQUIRE(plain.ok);
  CHECK(plain.p.type == kind::connect);
  CHECK(plain.p.ns == "/");
  CHECK_FALSE(plain.p.has_token);
  auto auth = parse(R"(40{"token":"abc","other":[1,2]})");
  REQUIRE(auth.ok);
  CHECK(auth.p.has_token);
  CHECK(auth.p.token == "abc");
  auto number = parse(R"(40{"token":12})");
  REQUIRE(number.ok);
  CHECK_FALSE(number.p.has_token);
  auto ns = parse(R"(40/admin,{"token":"t"})");
  REQUIRE(ns.ok);
  CHECK(ns.p.ns == "/admin");
  CHECK(ns.p.token == "t");
  auto bare = parse("40/admin");
  REQUIRE(bare.ok);
  CHECK(bare.p.ns == "/admin");
  refused("40[1]", "CONNECT payload must be a JSON object");
  refused("40{bad", "CONNECT payload must be a JSON object");
  refused(R"(40{"token":"a"}x)", "CONNECT payload");
  refused(std::string{"40{\"token\":\"a\0b\"}", 17}, "NUL");
}

TEST_CASE("socketio parses events, acks and DISCONNECT") {
  auto e = parse(R"(42["subscribe",{"room":"a.b"}])");
  REQUIRE(e.ok);
  CHECK(e.p.type == kind::event);
  CHECK(e.p.name == "subscribe");
  CHECK(e.p.arg == R"({"room":"a.b"})");
  CHECK(e.p.ack_id == -1);
  auto with_ack = parse(R"(4212["ping"])");
  REQUIRE(with_ack.ok);
  CHECK(with_ack.p.ack_id == 12);
  CHECK(with_ack.p.arg.empty());
  auto in_ns = parse(R"(42/admin,7["ping"])");
  REQUIRE(in_ns.ok);
  CHECK(in_ns.p.ns == "/admin");
  CHECK(in_ns.p.ack_id == 7);
  auto biggest = parse(R"(42999999999999999["ping"])");
  REQUIRE(biggest.ok);
  CHECK(biggest.p.ack_id == 999999999999999);
  auto ack = parse("435[1]");
  REQUIRE(ack.ok);
  CHECK(ack.p.type == kind::ack);
  CHECK(ack.p.ack_id == 5);
  auto d = parse("41");
  REQUIRE(d.ok);
  CHECK(d.p.type == kind::disconnect);
  CHECK(parse("41/admin,").p.ns == "/admin");
}

TEST_CASE("socketio refuses malformed events with a reason") {
  refused("4", "empty Socket.IO");
  refused("49", "unknown Socket.IO");
  refused("44{}", "unknown Socket.IO");
  refused("42", "JSON array");
  refused("42{\"a\":1}", "JSON array");
  refused("42not-json", "JSON array");
  refused(R"(42["x"]y)", "JSON array");
  refused("42[]", "without a name");
  refused("42[1]", "without a name");
  refused("43[1]", "ACK without an id");
  refused(R"(421234567890123456["ping"])", "ack id longer than 15");
  refused(R"(4299999999999999999999999999999["ping"])", "ack id");
  refused(R"(451-["x",{"_placeholder":true,"num":0}])", "binary");
  refused(R"(4599999999999999999999-["x"])", "binary");
  refused("461-1[]", "binary");
}

TEST_CASE("socketio refuses payloads nested beyond the JSON depth limit") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  refused("42" + deep, "nested deeper");
  refused("40{\"x\":" + deep + "}", "nested deeper");
  std::string ok = "42[\"x\"," + std::string(60, '[') + std::string(60, ']')
                   + "]";
  CHECK(parse(ok).ok);
}

TEST_CASE("socketio bounds namespaces and refuses unsafe ones") {
  std::string longest = "/" + std::string(socketio::max_namespace - 1, 'n');
  auto r = parse("40" + longest + ",");
  REQUIRE(r.ok);
  CHECK(r.p.ns == longest);
  refused("40" + longest + "n,", "namespace longer than 128");
  refused("40/" + std::string(100000, 'n'), "namespace longer than 128");
  refused("40/a\"b,", "namespace with");
  refused("40/a\r\nb,", "namespace with");
  refused("40/a\\b,", "namespace with");
  refused(std::string{"42/a\0b,[\"x\"]", 12}, "namespace with");
  CHECK(socketio::valid_namespace("/"));
  CHECK(socketio::valid_namespace("/chat-1"));
  // Echoed into a text frame: must be UTF-8 (found by fuzz.socketio).
  refused("40/a\xe4min,{}", "invalid UTF-8");
  CHECK(socketio::valid_namespace("/caf\xc3\xa9"));
  CHECK_FALSE(socketio::valid_namespace("/a\xe4min"));
  CHECK_FALSE(socketio::valid_namespace("/a\xc3"));
  CHECK_FALSE(socketio::valid_namespace("chat"));
  CHECK_FALSE(socketio::valid_namespace("/a,b"));
}

TEST_CASE("socketio builds answers with escaped JSON") {
  CHECK(socketio::connect_ok("/", "abc") == R"(40{"sid":"abc"})");
  CHECK(socketio::connect_ok("/admin", "abc") == R"(40/admin,{"sid":"abc"})");
  CHECK(socketio::connect_error("/", "Not \"authorized\"\n")
        == R"(44{"message":"Not \"authorized\"\n"})");
  CHECK(socketio::connect_error("/x", "Invalid namespace")
        == R"(44/x,{"message":"Invalid namespace"})");
  // A namespace parse() would refuse never reaches the wire.
  CHECK(socketio::connect_error("/a\r\n,b", "m") == R"(44{"message":"m"})");
  CHECK(socketio::event("a\"b", "1") == R"(42["a\"b",1])");
  CHECK(socketio::ack(12, "{}") == "4312[{}]");
  CHECK(socketio::from_frame(R"({"type":"pong","id":1})")
        == R"(42["pong",{"type":"pong","id":1}])");
}

TEST_CASE("socketio random ids are 128-bit base64url and distinct") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = socketio::random_id();
    REQUIRE(id.size() == 22);
    for (char c : id)
      CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-'
             || c == '_'));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("socketio opens with the sid, the ping timing and the payload "
          "limit, and no upgrades") {
  auto open = socketio::open_packet("abc", 25000, 20000, 1000000);
  CHECK(open == R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,)"
                R"("pingTimeout":20000,"maxPayload":1000000})");
  REQUIRE(open.size() > 1);
  rapidjson::Document d;
  d.Parse(open.c_str() + 1);
  REQUIRE(d.IsObject());
  CHECK(d["sid"] == "abc");
  CHECK(d["upgrades"].Empty());
  CHECK(d["maxPayload"].GetUint64() == 1000000);
  CHECK(socketio::open_packet("a\"b", 1, 2, 3)
        == R"(0{"sid":"a\"b","upgrades":[],"pingInterval":1,)"
           R"("pingTimeout":2,"maxPayload":3})");
}

TEST_CASE("socketio answers in the root namespace for a namespace it would "
          "refuse") {
  CHECK(socketio::connect_ok("/a\"b", "abc") == R"(40{"sid":"abc"})");
  CHECK(socketio::connect_ok("admin", "abc") == R"(40{"sid":"abc"})");
  auto too_long = "/" + std::string(socketio::max_namespace, 'n');
  CHECK(socketio::connect_error(too_long, "m") == R"(44{"message":"m"})");
}

TEST_CASE("socketio names a frame's event after its type, or message if it "
          "has none") {
  CHECK(socketio::from_frame(R"({"type":"event","room":"r"})")
        == R"(42["event",{"type":"event","room":"r"}])");
  CHECK(socketio::from_frame(R"([{"type":"a"},{"type":"b"}])")
        == R"(42["message",[{"type":"a"},{"type":"b"}]])");
  CHECK(socketio::from_frame(R"({"type":"unterminated)")
        == R"(42["message",{"type":"unterminated])");
  CHECK(socketio::event("x", "[1,2]") == R"(42["x",[1,2]])");
  CHECK(socketio::ack(0, "null") == "430[null]");
}

TEST_CASE("socketio builds a room frame's packet once, on any thread, and "
          "shares it") {
  room_frame f;
  f.pos = 3;
  f.frame = make_frame(R"({"type":"event","pos":3,"data":1})");
  std::vector<frame_ptr> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = socketio::packet_of(f); });
  for (auto& t : threads)
    t.join();
  REQUIRE(got[0].get() != nullptr);
  CHECK(*got[0] == R"(42["event",{"type":"event","pos":3,"data":1}])");
  for (auto& p : got)
    CHECK(p.get() == got[0].get());
  room_frame copy = f; // a copy of the frame shares its lazy packet
  CHECK(socketio::packet_of(copy).get() == got[0].get());
  CHECK(*f.frame == R"({"type":"event","pos":3,"data":1})"); // untouched
  room_frame other;
  other.frame = f.frame;
  auto own = socketio::packet_of(other);
  CHECK(own.get() != got[0].get());
  CHECK(*own == *got[0]);
}
