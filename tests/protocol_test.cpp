#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "core/event.hpp"
#include "core/utf8.hpp"
#include "wire/protocol.hpp"
#include "wire/ws_frame.hpp"

using namespace flux;

namespace {

struct parsed {
  bool ok;
  protocol::request req;
  std::string code;
  std::string message;
};

parsed parse(std::string_view text) {
  parsed p;
  const char* code = "";
  p.ok = protocol::parse(text, p.req, code, p.message);
  p.code = code;
  return p;
}

} // namespace

TEST_CASE("protocol parses the four ops") {
  auto s = parse(R"({"op":"subscribe","room":"crypto.ticker","id":7})");
  REQUIRE(s.ok);
  CHECK(s.req.kind == protocol::op::subscribe);
  CHECK(s.req.room == "crypto.ticker");
  CHECK(s.req.id == "7");
  CHECK_FALSE(s.req.resume);
  auto r = parse(
    R"({"op":"subscribe","room":"a.b","id":"x","resume":{"epoch":"E","pos":41}})");
  REQUIRE(r.ok);
  CHECK(r.req.resume);
  CHECK(r.req.epoch == "E");
  CHECK(r.req.pos == 41);
  CHECK(r.req.id == "\"x\"");
  CHECK(parse(R"({"op":"unsubscribe","room":"a"})").ok);
  CHECK(parse(R"({"op":"ping"})").req.id == "null");
  CHECK(parse(R"({"op":"rooms"})").req.kind == protocol::op::rooms);
}

TEST_CASE("protocol rejects bad input with stable codes") {
  CHECK(parse("garbage").code == "bad_json");
  CHECK(parse("{\"op\":").code == "bad_json");
  CHECK(parse("[1,2]").code == "bad_request");
  CHECK(parse(R"({"id":1})").code == "bad_request");
  CHECK(parse(R"({"op":"launch"})").code == "unknown_op");
  CHECK(parse(R"({"op":"subscribe"})").code == "bad_request");
  CHECK(parse(R"({"op":"subscribe","room":"Bad Room"})").code
        == "bad_request");
  CHECK(parse(R"({"op":"subscribe","room":"a","resume":{"pos":1}})").code
        == "bad_request");
  CHECK(parse(R"({"op":"ping","id":{"x":1}})").code == "bad_request");
  // The id is echoed even when the op is bad, so the client can match it.
  auto p = parse(R"({"op":"launch","id":9})");
  CHECK(p.req.id == "9");
}

TEST_CASE("protocol refuses nesting, a NUL and trailing data as bad_json") {
  using namespace std::string_literals;
  // Parsing stopped at the NUL before: this was answered with a pong.
  auto nul = parse("{\"op\":\"ping\",\"id\":1}\0garbage"s);
  CHECK_FALSE(nul.ok);
  CHECK(nul.code == "bad_json");
  CHECK(nul.message == "invalid JSON: a NUL byte at offset 20");
  auto deep = parse(std::string(300000, '['));
  CHECK(deep.code == "bad_json");
  CHECK(deep.message == "invalid JSON: nested deeper than 64 levels");
  CHECK(parse(R"({"op":"ping"} {"op":"ping"})").code == "bad_json");
  CHECK(parse(R"({"op":"ping","id":1}])").code == "bad_json");
  // What json::parse refuses never reaches the reply: no invalid UTF-8.
  CHECK(parse("{\"op\":\"\xFF\"}").code == "bad_json");
  CHECK(parse(R"({"op":"\udc00"})").code == "bad_json");
  // Nesting up to the limit is still a request.
  std::string nested = R"({"op":"ping","x":)" + std::string(63, '[')
                       + std::string(63, ']') + "}";
  CHECK(parse(nested).ok);
}

TEST_CASE("protocol cuts an unknown op on a UTF-8 code point boundary") {
  auto op = [](const std::string& name) {
    return parse(R"({"op":")" + name + R"("})");
  };
  const std::string a31(31, 'a');
  auto euro = op(a31 + "\xE2\x82\xAC"); // 31 + 3 bytes: byte 32 is inside €
  CHECK(euro.code == "unknown_op");
  CHECK(euro.message == "unknown op '" + a31 + "'");
  CHECK(flux::valid_utf8(euro.message));
  auto chart = op(std::string(30, 'a') + "\xF0\x9F\x93\x88"); // 📈, 4 bytes
  CHECK(chart.message == "unknown op '" + std::string(30, 'a') + "'");
  auto fits = op(std::string(29, 'a') + "\xE2\x82\xAC" + "zzz"); // ends at 32
  CHECK(fits.message == "unknown op '" + std::string(29, 'a') + "\xE2\x82\xAC'");
  CHECK(op(std::string(40, 'b')).message
        == "unknown op '" + std::string(32, 'b') + "'");
}

TEST_CASE("protocol frames are valid JSON with the documented fields") {
  rapidjson::Document d;
  d.Parse(protocol::error_frame("3", protocol::code::unknown_room, "no \"x\"",
                                "x")
            .c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string{d["type"].GetString()} == "error");
  CHECK(d["id"].GetInt() == 3);
  CHECK(std::string{d["code"].GetString()} == "unknown_room");
  CHECK(std::string{d["message"].GetString()} == "no \"x\"");
  d.Parse(protocol::subscribed_frame("null", "r", "E", 5, false, "gap_too_old",
                                     0)
            .c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(d["id"].IsNull());
  CHECK(std::string{d["reason"].GetString()} == "gap_too_old");
  d.Parse(protocol::subscribed_frame("1", "r", "E", 5, true, "", 2).c_str());
  CHECK(d["reason"].IsNull());
  CHECK(d["resumed"].GetBool());
}

TEST_CASE("event records round-trip and are validated") {
  event e;
  e.id = "id-1";
  e.room = "crypto.ticker";
  e.kind = event_kind::update;
  e.key = "BTC-USD";
  e.source = "test";
  e.ts = 123;
  e.data = R"({"price":1.5})";
  auto text = encode_event(e);
  event back;
  std::string why;
  REQUIRE(decode_event(text.data(), text.size(), back, why));
  CHECK(back.id == e.id);
  CHECK(back.room == e.room);
  CHECK(back.kind == e.kind);
  CHECK(back.key == e.key);
  CHECK(back.ts == 123);
  CHECK(back.data == e.data);
  auto bad = [&](const std::string& s) {
    event x;
    std::string reason;
    bool ok = decode_event(s.data(), s.size(), x, reason);
    CHECK_FALSE(reason.empty());
    return !ok;
  };
  CHECK(bad("not json"));
  CHECK(bad("[]"));
  CHECK(bad(R"({"room":"r","ts":1,"data":1})"));                  // no id
  CHECK(bad(R"({"id":"a","room":"R!","ts":1,"data":1})"));        // bad room
  CHECK(bad(R"({"id":"a","room":"r","data":1})"));                // no ts
  CHECK(bad(R"({"id":"a","room":"r","ts":1})"));                  // no data
  CHECK(bad(R"({"id":"a","room":"r","ts":1,"data":1,"kind":"x"})"));
  CHECK(bad(R"({"id":"a","room":"r","ts":1,"data":1,"kind":"update"})"));
  // kind defaults to snapshot
  std::string ok = R"({"id":"a","room":"r","ts":1,"data":{"v":1}})";
  REQUIRE(decode_event(ok.data(), ok.size(), back, why));
  CHECK(back.kind == event_kind::snapshot);
}

TEST_CASE("the bus record decoder refuses hostile JSON with a stable reason") {
  using namespace std::string_literals;
  auto reason = [](const std::string& s) {
    event x;
    std::string why;
    CHECK_FALSE(decode_event(s.data(), s.size(), x, why));
    return why;
  };
  const std::string head = R"({"id":"a","room":"r","ts":1,"data":)";
  // 10,000 levels inside 'data' were accepted (and recursed into) before.
  CHECK(reason(head + std::string(10000, '[') + std::string(10000, ']') + "}")
        == "invalid JSON: nested deeper than 64 levels");
  // A valid record, then a NUL and garbage: accepted before.
  CHECK(reason(head + "1}\0garbage"s) == "invalid JSON: a NUL byte");
  CHECK(reason(head + "\"x\0y\"}"s) == "invalid JSON: a NUL byte");
  CHECK(reason(head + "1} trailing") == "invalid JSON");
  CHECK(reason(head + "\"\xFF\"}") == "invalid JSON");
  CHECK(reason(head + "\"\\udc00\"}")
        == "invalid JSON: a lone UTF-16 surrogate escape (\\uD800-\\uDFFF)");
  // No offsets: the directory logs each distinct reason once.
  CHECK(reason(head + "1}\0"s) == reason("{}\0"s));
  std::string deep_objects = "[[";
  for (int i = 0; i < 99; ++i)
    deep_objects += "{\"k\":";
  CHECK(reason(std::string(1000000, '[')) == reason(deep_objects));
  CHECK(reason(deep_objects) == "invalid JSON: nested deeper than 64 levels");
  event ok;
  std::string why;
  auto deep_ok = head + std::string(63, '[') + std::string(63, ']') + "}";
  CHECK(decode_event(deep_ok.data(), deep_ok.size(), ok, why));
}
