#include <doctest/doctest.h>

#include "gateway/ws_frame.hpp"

using namespace flux::gateway;

namespace {

// A client frame as a browser sends it: masked, FIN as given.
std::string client_frame(uint8_t op, const std::string& payload,
                         bool fin = true, bool masked = true) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | op));
  uint8_t m = masked ? 0x80 : 0;
  auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(m | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(m | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked)
    out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; ++i)
    out.push_back(masked ? static_cast<char>(payload[i] ^ key[i & 3])
                         : payload[i]);
  return out;
}

std::vector<ws::input> feed(ws::reader& r, const std::string& bytes) {
  std::vector<ws::input> out;
  r.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), out);
  return out;
}

} // namespace

TEST_CASE("ws frame: server headers use the shortest length form") {
  uint8_t h[ws::max_header_bytes];
  CHECK(ws::write_header(h, ws::op_text, 0) == 2);
  CHECK(h[0] == 0x81);
  CHECK(h[1] == 0);
  CHECK(ws::write_header(h, ws::op_text, 125) == 2);
  CHECK(h[1] == 125);
  CHECK(ws::write_header(h, ws::op_text, 126) == 4);
  CHECK(h[1] == 126);
  CHECK(h[2] == 0);
  CHECK(h[3] == 126);
  CHECK(ws::write_header(h, ws::op_text, 65535) == 4);
  CHECK(ws::write_header(h, ws::op_binary, 65536) == 10);
  CHECK(h[0] == 0x82);
  CHECK(h[1] == 127);
  CHECK(h[7] == 1); // 0x00 00 00 00 00 01 00 00
  CHECK(h[8] == 0);
  auto close = ws::make_close_frame(1008, std::string(200, 'r'));
  CHECK(static_cast<uint8_t>(close[0]) == 0x88);
  CHECK(static_cast<uint8_t>(close[1]) == 125); // reason cut to fit
  CHECK(static_cast<uint8_t>(close[2]) == 0x03);
  CHECK(static_cast<uint8_t>(close[3]) == 0xF0);
}

TEST_CASE("ws frame: a message arrives whole however the reads split it") {
  ws::reader r{1024};
  std::string payload(300, 'a'); // 16-bit length form
  auto bytes = client_frame(ws::op_text, payload)
               + client_frame(ws::op_text, "{\"op\":\"ping\"}");
  std::vector<ws::input> got;
  for (char c : bytes) {
    auto part = feed(r, std::string(1, c));
    got.insert(got.end(), part.begin(), part.end());
  }
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == ws::input::message);
  CHECK(got[0].payload == payload);
  CHECK(got[1].payload == "{\"op\":\"ping\"}");
  CHECK_FALSE(got[1].binary);
}

TEST_CASE("ws frame: fragments are joined and a ping between them answered") {
  ws::reader r{1024};
  // "é" (C3 A9) split across the fragments: only the whole must be UTF-8.
  auto bytes = client_frame(ws::op_text, "caf\xC3", false)
               + client_frame(ws::op_ping, "hb")
               + client_frame(ws::op_continuation, "\xA9!", true);
  auto got = feed(r, bytes);
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == ws::input::ping);
  CHECK(got[0].payload == "hb");
  CHECK(got[1].kind == ws::input::message);
  CHECK(got[1].payload == "caf\xC3\xA9!");
}

TEST_CASE("ws frame: protocol errors close with 1002, bad text with 1007") {
  auto first_error = [](const std::string& bytes) {
    ws::reader r{1024};
    auto got = feed(r, bytes);
    REQUIRE_FALSE(got.empty());
    CHECK(got.back().kind == ws::input::error);
    CHECK(r.done());
    return got.back().code;
  };
  CHECK(first_error(client_frame(ws::op_text, "x", true, false)) == 1002);
  CHECK(first_error(client_frame(ws::op_continuation, "x")) == 1002);
  CHECK(first_error(client_frame(ws::op_ping, "x", false)) == 1002);
  CHECK(first_error(client_frame(ws::op_ping, std::string(126, 'p'))) == 1002);
  CHECK(first_error(client_frame(0x3, "x")) == 1002); // reserved opcode
  auto rsv = client_frame(ws::op_text, "x");
  rsv[0] = static_cast<char>(rsv[0] | 0x40); // RSV1 without deflate
  CHECK(first_error(rsv) == 1002);
  CHECK(first_error(client_frame(ws::op_text, "a", false)
                    + client_frame(ws::op_text, "b")) == 1002);
  CHECK(first_error(client_frame(ws::op_text, "\xC0\x80")) == 1007);
  // Binary messages carry any bytes.
  ws::reader r{1024};
  auto got = feed(r, client_frame(ws::op_binary, "\xC0\x80"));
  REQUIRE(got.size() == 1);
  CHECK(got[0].binary);
}

TEST_CASE("ws frame: an oversized message is refused from its header alone") {
  ws::reader r{1000};
  auto frame = client_frame(ws::op_text, std::string(1001, 'x'));
  auto got = feed(r, frame.substr(0, 4)); // header, no payload yet
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == ws::input::error);
  CHECK(got[0].code == 1009);
  // Fragments count together.
  ws::reader f{1000};
  auto parts = feed(f, client_frame(ws::op_text, std::string(600, 'x'), false)
                         + client_frame(ws::op_continuation,
                                        std::string(600, 'x')));
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].code == 1009);
}

TEST_CASE("ws frame: a close frame carries code and reason; nothing after") {
  ws::reader r{1024};
  std::string payload = "\x03\xE8" "bye";
  auto got = feed(r, client_frame(ws::op_close, payload)
                       + client_frame(ws::op_text, "late"));
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == ws::input::close);
  CHECK(got[0].code == 1000);
  CHECK(got[0].payload == "bye");
  CHECK(r.done());
  ws::reader empty{1024};
  auto bare = feed(empty, client_frame(ws::op_close, ""));
  REQUIRE(bare.size() == 1);
  CHECK(bare[0].code == 1005);
}

TEST_CASE("ws frame: UTF-8 validation rejects overlongs, surrogates, > U+10FFFF") {
  CHECK(ws::valid_utf8("plain ascii"));
  CHECK(ws::valid_utf8("\xE2\x82\xAC 10"));       // €
  CHECK(ws::valid_utf8("\xF0\x9F\x93\x88"));      // 📈
  CHECK_FALSE(ws::valid_utf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(ws::valid_utf8("\xED\xA0\x80"));     // surrogate D800
  CHECK_FALSE(ws::valid_utf8("\xF4\x90\x80\x80")); // U+110000
  CHECK_FALSE(ws::valid_utf8("\xE2\x82"));         // truncated
  CHECK_FALSE(ws::valid_utf8("\xFF"));
}
