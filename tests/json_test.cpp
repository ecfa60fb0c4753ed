// json::parse, the one entry point for untrusted JSON: nesting limit
// (brackets inside strings do not count), NUL bytes, trailing data, UTF-8,
// and a huge nesting refused without recursion; and json_error's escaping.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <caf/all.hpp>

#include "core/json.hpp"
#include "gateway/routes.hpp"

using namespace flux;

namespace {

std::string nested(char open, int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += open == '[' ? "[" : "{\"k\":";
  s += "1";
  for (int i = 0; i < depth; ++i)
    s += open == '[' ? ']' : '}';
  return s;
}

bool parses(std::string_view text, std::string* why_out = nullptr) {
  rapidjson::Document doc;
  std::string why;
  bool ok = json::parse(doc, text, why);
  CHECK(ok == why.empty());
  if (!ok)
    CHECK(doc.IsNull()); // no half-parsed value is left behind
  if (why_out)
    *why_out = why;
  return ok;
}

} // namespace

TEST_CASE("json::parse accepts nesting up to the limit and refuses one more") {
  for (char open : {'[', '{'}) {
    CAPTURE(open);
    CHECK(parses(nested(open, json::max_depth)));
    std::string why;
    CHECK_FALSE(parses(nested(open, json::max_depth + 1), &why));
    CHECK(why == "invalid JSON: nested deeper than 64 levels");
  }
  // Mixed arrays and objects count alike.
  std::string mixed;
  for (int i = 0; i < 33; ++i)
    mixed += "[{\"k\":";
  mixed.pop_back();
  CHECK_FALSE(parses(mixed + "1"));
  // A smaller limit can be asked for.
  rapidjson::Document doc;
  std::string why;
  CHECK(json::parse(doc, nested('[', 3), why, 3));
  CHECK_FALSE(json::parse(doc, nested('[', 4), why, 3));
}

TEST_CASE("json::parse does not count brackets inside strings") {
  std::string deep_text(1000, '[');
  CHECK(parses("[\"" + deep_text + "\"]"));
  CHECK(parses("{\"" + std::string(1000, '{') + "\":\"" + deep_text + "\"}"));
  // An escaped quote does not end the string ...
  CHECK(parses("[\"\\\"" + deep_text + "\"]"));
  // ... but an escaped backslash followed by a quote does: what follows is
  // real nesting again.
  std::string why;
  CHECK_FALSE(parses("[\"\\\\\"," + nested('[', 64) + "]", &why));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK(parses("[\"\\\\\"," + nested('[', 63) + "]"));
}

TEST_CASE("json::parse refuses a NUL byte anywhere") {
  using namespace std::string_literals;
  std::string why;
  CHECK_FALSE(parses("{\"op\":\"ping\"}\0garbage"s, &why));
  CHECK(why == "invalid JSON: a NUL byte at offset 13");
  CHECK_FALSE(parses("{\"op\":\"pi\0ng\"}"s));
  CHECK_FALSE(parses("\0"s));
  CHECK(parses("{\"op\":\"pi\\u0000ng\"}")); // an escaped NUL is just data
}

TEST_CASE("json::parse refuses anything after the root value") {
  std::string why;
  CHECK_FALSE(parses("{\"a\":1} x", &why));
  CHECK(why.find("invalid JSON at offset 8") == 0);
  CHECK_FALSE(parses("{}{}"));
  CHECK_FALSE(parses("1 2"));
  CHECK_FALSE(parses("[1]]"));
  CHECK(parses(" {\"a\":1} \n\t"));
  CHECK_FALSE(parses(""));
  CHECK_FALSE(parses("   "));
}

TEST_CASE("json::parse refuses invalid UTF-8, which would reach clients") {
  CHECK(parses("[\"\xE2\x82\xAC 10\"]"));         // €
  CHECK(parses("[\"\xF0\x9F\x93\x88\"]"));        // 📈
  CHECK_FALSE(parses("[\"\xFF\"]"));
  CHECK_FALSE(parses("[\"\xC0\xAF\"]"));           // overlong '/'
  CHECK_FALSE(parses("[\"\xED\xA0\x80\"]"));       // surrogate D800
  CHECK_FALSE(parses("[\"\xE2\x82\"]"));           // truncated
  CHECK_FALSE(parses("{\"\xFF\":1}"));             // in a key too
  CHECK_FALSE(parses("[\"\\udc00\"]"));            // a lone surrogate escape
}

TEST_CASE("json::parse refuses a million brackets without recursing") {
  std::string why;
  CHECK_FALSE(parses(std::string(1000000, '['), &why));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK_FALSE(parses(nested('[', 1000000)));
  CHECK_FALSE(parses(nested('{', 200000)));
  // Deep but never closed, behind a long valid prefix: still refused.
  CHECK_FALSE(parses("[1,2,3," + std::string(1000000, '{')));
}

TEST_CASE("json_error escapes the error text into valid JSON") {
  // CAF quotes the context; the failing actor's text may hold anything.
  auto err = caf::make_error(caf::sec::runtime_error,
                             std::string{"said \"no\" \\ back\n\t\x01 end"});
  auto text = gateway::json_error(err);
  rapidjson::Document doc;
  std::string why;
  REQUIRE_MESSAGE(json::parse(doc, text, why), why << ": " << text);
  REQUIRE(doc.IsObject());
  REQUIRE(doc["error"].IsString());
  CHECK(std::string{doc["error"].GetString()} == to_string(err));
  CHECK(to_string(err).find("said") != std::string::npos);
  CHECK(text.find('\n') == std::string::npos); // control chars are escaped
  CHECK(text.find('\x01') == std::string::npos);
}

TEST_CASE("json::parse refuses a number too large for a double") {
  // 2e308 parses to infinity; written back it would cut the JSON short.
  for (auto text : {"[2e308,1]", "{\"a\":-2e308}"}) {
    rapidjson::Document doc;
    std::string why;
    CHECK_FALSE(json::parse(doc, text, why));
    CHECK(why == "invalid JSON: a number too large for a double");
  }
  rapidjson::Document doc;
  std::string why;
  CHECK_FALSE(json::parse(doc, "1e400", why)); // RapidJSON's own check
  CHECK(json::parse(doc, "[1.7976931348623157e308,-1e-400]", why));
}

TEST_CASE("json::parse refuses an empty text without touching its data") {
  // An empty view's data() is null: memchr on it is undefined (UBSan).
  rapidjson::Document doc;
  std::string why;
  CHECK_FALSE(json::parse(doc, std::string_view{}, why));
  CHECK(why.rfind("invalid JSON at offset 0", 0) == 0);
}

TEST_CASE("a number keeps its exact value through every parse and write") {
  // Each gateway hop parses a record and writes it again: a price that
  // moved by one ulp per hop would drift (found by fuzz.bus_record).
  for (const char* text : {"0.30000000000000004", "184467440737095516160",
                           "2.2250738585072011e-308", "45123.67", "1e23",
                           "0.1", "-7.000000000000001", "9007199254740993"}) {
    INFO(text);
    double exact = std::strtod(text, nullptr);
    std::string hop = std::string{"["} + text + "]";
    for (int i = 0; i < 3; ++i) {
      rapidjson::Document doc;
      std::string why;
      REQUIRE(json::parse(doc, hop, why));
      if (doc[0].IsDouble())
        CHECK(doc[0].GetDouble() == exact);
      hop = json::to_string(doc);
    }
  }
}

TEST_CASE("numbers with a zero significand or far out of range read right") {
  // RapidJSON 1.1.0's full-precision parse read 0E-85 as 5.8e-11 and this
  // one as -1.6e296 (UB in its DiyFp on a zero significand: fuzz.protocol).
  struct row { const char* text; double value; };
  for (auto r : {row{"0E-85", 0.0}, row{"0.0000000000000000000000001e-300", 0.0},
                 row{"1e-400", 0.0}, row{"-0.0", -0.0}, row{"4719E-85471", 0.0},
                 row{"5e-324", 5e-324}, row{"-12.5e1", -125.0}}) {
    INFO(r.text);
    rapidjson::Document doc;
    std::string why;
    REQUIRE(json::parse(doc, std::string{"["} + r.text + "]", why));
    REQUIRE(doc[0].IsDouble());
    CHECK(doc[0].GetDouble() == r.value);
    CHECK(std::signbit(doc[0].GetDouble()) == std::signbit(r.value));
  }
  rapidjson::Document doc;
  REQUIRE(json::parse(doc, "[-9223372036854775808,18446744073709551615,"
                           "18446744073709551616,7,-7]"));
  CHECK(doc[0].GetInt64() == INT64_MIN);
  CHECK(doc[1].GetUint64() == UINT64_MAX);
  CHECK(doc[2].IsDouble());
  CHECK(doc[3].IsInt());
  CHECK(doc[3].GetInt() == 7);
  CHECK(doc[4].GetInt() == -7);
}
