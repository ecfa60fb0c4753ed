#include <doctest/doctest.h>

#include <algorithm>

#include "core/utf8.hpp"
#include "wire/ws_frame.hpp"

using namespace flux;

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

TEST_CASE("ws frame: a close frame carries code and reason, nothing after") {
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
  CHECK(flux::valid_utf8("plain ascii"));
  CHECK(flux::valid_utf8("\xE2\x82\xAC 10"));       // €
  CHECK(flux::valid_utf8("\xF0\x9F\x93\x88"));      // 📈
  CHECK_FALSE(flux::valid_utf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(flux::valid_utf8("\xED\xA0\x80"));     // surrogate D800
  CHECK_FALSE(flux::valid_utf8("\xF4\x90\x80\x80")); // U+110000
  CHECK_FALSE(flux::valid_utf8("\xE2\x82"));         // truncated
  CHECK_FALSE(flux::valid_utf8("\xFF"));
}

namespace {

// A client frame header (masked, key 0) announcing `length` in the 64-bit
// form, whatever payload follows.
std::string header64(uint8_t op, uint64_t length, bool fin = true) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | op));
  out.push_back(static_cast<char>(0x80 | 127));
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
  out.append(4, '\0'); // mask key 0: the payload goes as is
  return out;
}

uint16_t close_answer(const std::string& close_payload) {
  ws::reader r{1024};
  auto got = feed(r, client_frame(ws::op_close, close_payload));
  REQUIRE(got.size() == 1);
  CHECK(r.done());
  if (got[0].kind == ws::input::error)
    return got[0].code;
  REQUIRE(got[0].kind == ws::input::close);
  return 0; // accepted: the session echoes the client's code
}

std::string close_payload(uint16_t code, const std::string& reason = "") {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  return p + reason;
}

} // namespace

TEST_CASE("ws frame: a continuation whose length wraps the size checks is refused") {
  // Issue 11 item 1: 10 bytes buffered, then 2^64 - 10 announced: the sum
  // wrapped to 0 and the payload was unmasked past the end of the buffer.
  ws::reader r{1024};
  auto bytes = client_frame(ws::op_text, std::string(10, 'x'), false)
               + header64(ws::op_continuation, ~uint64_t{0} - 9)
               + std::string(64, 'y');
  auto got = feed(r, bytes);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == ws::input::error);
  CHECK(got[0].code == 1002); // the most significant bit must be 0
  // Below the MSB: no sum may wrap either, the frame is over the limit.
  for (uint64_t len : {(uint64_t{1} << 63) - 1, (uint64_t{1} << 63) - 5,
                       uint64_t{1} << 32, uint64_t{1025} - 10}) {
    ws::reader big{1024};
    auto out = feed(big, client_frame(ws::op_text, std::string(10, 'x'), false)
                           + header64(ws::op_continuation, len)
                           + std::string(64, 'y'));
    REQUIRE(out.size() == 1);
    CHECK(out[0].code == (len < 126 || len > 0xFFFF ? 1009 : 1002));
  }
  // Exactly at the limit with what is buffered: accepted.
  ws::reader edge{1024};
  auto ok = feed(edge, client_frame(ws::op_text, std::string(10, 'x'), false)
                         + client_frame(ws::op_continuation,
                                        std::string(1014, 'y')));
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].kind == ws::input::message);
  CHECK(ok[0].payload.size() == 1024);
}

TEST_CASE("ws frame: lengths must use the minimal form, 64-bit MSB clear") {
  auto code_of = [](const std::string& bytes) {
    ws::reader r{100000};
    auto got = feed(r, bytes);
    REQUIRE(got.size() == 1);
    return got[0].kind == ws::input::error ? got[0].code : uint16_t{0};
  };
  // "hello" in the 16-bit form: 126, 0, 5.
  std::string h16 = {static_cast<char>(0x81), static_cast<char>(0x80 | 126),
                     0, 5, 0, 0, 0, 0};
  CHECK(code_of(h16 + "hello") == 1002);
  CHECK(code_of(header64(ws::op_text, 200) + std::string(200, 'a')) == 1002);
  CHECK(code_of(header64(ws::op_text, 65535) + std::string(65535, 'a'))
        == 1002);
  CHECK(code_of(header64(ws::op_text, 65536) + std::string(65536, 'a')) == 0);
  CHECK(code_of(header64(ws::op_text, uint64_t{1} << 63)) == 1002);
  CHECK(code_of(client_frame(ws::op_text, std::string(126, 'a'))) == 0);
}

TEST_CASE("ws frame: close codes outside RFC 6455 7.4 get 1002, bad reasons 1007") {
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                        1012, 1013, 1014, 3000, 3999, 4000, 4999})
    CHECK_MESSAGE(close_answer(close_payload(code)) == 0, code);
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999,
                        5000, 65535})
    CHECK_MESSAGE(close_answer(close_payload(code)) == 1002, code);
  CHECK(close_answer(close_payload(1000, "\xCE\xBA\xE1\xBD\xB9\xED\xA0\x80"))
        == 1007);
  CHECK(close_answer(close_payload(1000, "\xE2\x82")) == 1007);
  CHECK(close_answer(close_payload(1000, "\xE2\x82\xAC ok")) == 0);
  CHECK(close_answer("") == 0);      // no code: 1005 to the session
  CHECK(close_answer("\x03") == 1002); // 1-byte payload
}

TEST_CASE("ws frame: binary messages are refused at their first frame when not taken") {
  ws::reader r{1024, false};
  // The header alone is enough: nothing of the payload is buffered.
  auto got = feed(r, client_frame(ws::op_binary, std::string(600, '\xFF'))
                       .substr(0, 4));
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == ws::input::error);
  CHECK(got[0].code == 1003);
  CHECK(r.done());
}

TEST_CASE("ws frame: a close reason is cut on a UTF-8 boundary, never inside a character") {
  // 122 ASCII bytes then a 3-byte character: 125 bytes, over 123.
  auto reason = std::string(122, 'r') + "\xE2\x82\xAC";
  auto frame = ws::make_close_frame(1008, reason);
  CHECK(static_cast<uint8_t>(frame[1]) == 2 + 122);
  CHECK(flux::valid_utf8(frame.substr(4)));
  // A 4-byte character straddling the cut.
  auto emoji = std::string(121, 'r') + "\xF0\x9F\x93\x88";
  frame = ws::make_close_frame(1008, emoji);
  CHECK(static_cast<uint8_t>(frame[1]) == 2 + 121);
  // Exactly 123 bytes ending with a whole character: kept.
  auto whole = std::string(120, 'r') + "\xE2\x82\xAC";
  frame = ws::make_close_frame(1008, whole);
  CHECK(frame.substr(4) == whole);
  // A reason that is not UTF-8 at all is not sent.
  frame = ws::make_close_frame(1011, "bad \xFF bytes");
  CHECK(frame.size() == 4);
}

TEST_CASE("ws frame: what is held between reads stays within the limit plus a header and a read") {
  constexpr size_t max = 4096;
  constexpr size_t read = 1000;
  ws::reader r{max};
  // Fragments up to the limit, trickled in reads of 1000 bytes, then the
  // header of one byte more: refused before anything more is held.
  auto bytes = client_frame(ws::op_text, std::string(max / 2, 'a'), false)
               + client_frame(ws::op_continuation, std::string(max / 2, 'b'),
                              false)
               + client_frame(ws::op_continuation, "c");
  size_t most = 0;
  std::vector<ws::input> got;
  for (size_t at = 0; at < bytes.size() && !r.done(); at += read) {
    auto part = feed(r, bytes.substr(at, read));
    got.insert(got.end(), part.begin(), part.end());
    most = std::max(most, r.buffered());
  }
  CHECK(most <= max + ws::max_header_bytes + 4 + read);
  REQUIRE(got.size() == 1);
  CHECK(got[0].code == 1009);
  CHECK(r.buffered() == 0);
}
