// Finnhub: quotes as stocks.movers, and hostile quote answers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connector_test_support.hpp"
#include "domains/finnhub.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;
using namespace std::string_literals;

TEST_CASE("Finnhub quotes -> stocks.movers") {
  quote q;
  std::string why;
  REQUIRE(parse_finnhub_quote(
    "AAPL", R"({"c":261.74,"d":2.29,"dp":0.8826,"h":263.31,"l":260.68,"o":261.07,"pc":259.45,"t":1582641000})",
    q, why));
  CHECK(q.price == doctest::Approx(261.74));
  CHECK(q.change_pct == doctest::Approx(0.8826));
  CHECK(q.time_ms == 1582641000000);
  CHECK_FALSE(parse_finnhub_quote(
    "NOPE", R"({"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0})", q, why));
  CHECK(why == "unknown symbol");
  CHECK_FALSE(parse_finnhub_quote("X", R"({"error":"Invalid API key."})", q, why));
  CHECK(why == "Invalid API key.");
  std::vector<quote> qs;
  for (int i = 0; i < 7; ++i) {
    quote x;
    x.symbol = "S" + std::to_string(i);
    x.price = 100 + i;
    x.prev_close = 100;
    x.change = i;
    x.change_pct = i - 3;
    x.time_ms = 1000 * i;
    qs.push_back(x);
  }
  auto d = parse(stock_movers_payload(qs));
  CHECK(d["gainers"].Size() == 5);
  CHECK(d["losers"].Size() == 5);
  CHECK(std::string{d["gainers"][0]["symbol"].GetString()} == "S6");
  CHECK(std::string{d["losers"][0]["symbol"].GetString()} == "S0");
  CHECK(d["losers"][0]["change_pct"].GetDouble() == -3);
  CHECK(d["as_of"].GetInt64() == 6000);
  auto one = parse(stock_movers_payload({qs[0]}));
  CHECK(one["gainers"].Size() == 1);
}

TEST_CASE("Finnhub: hostile quote answers are refused with a reason") {
  quote q;
  std::string why;
  auto refused = [&](const std::string& body) {
    why.clear();
    return !parse_finnhub_quote("AAPL", body, q, why);
  };
  CHECK(refused(R"({"c":1,"pc":1,"x":)" + deep + "}"));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK(refused("{\"c\":1,\"pc\":1}\0junk"s));
  CHECK(has(why, "a NUL byte at offset 14"));
  CHECK(refused(R"({"c":1,"pc":1} junk)"));
  CHECK(has(why, "invalid JSON at offset 15"));
  CHECK(refused(R"({"c":1e400,"pc":1})"));
  CHECK(has(why, "Number too big"));
  CHECK(refused(R"([1,2])"));
  CHECK(why == "answer is not a JSON object");
  CHECK(refused(R"({"c":{"v":1},"pc":"x"})"));
  CHECK(why == "missing fields 'c' and 'pc'");
  // A time far out of range would overflow the conversion to ms.
  for (auto t : {"1e300", "-1", "\"1e19\"", "9.3e15"}) {
    CAPTURE(t);
    CHECK(refused(R"({"c":1,"pc":1,"t":)"s + t + "}"));
    CHECK(why == "field 't' is not a time in seconds since the epoch");
  }
  CHECK_FALSE(refused(R"({"c":1,"pc":1,"t":1582641000})"));
  CHECK(q.time_ms == 1582641000000);
  // The upstream's error text becomes the source's status: never empty
  // (found by fuzz.finnhub), never longer than 200 bytes, still UTF-8.
  CHECK(refused(R"({"error":""})"));
  CHECK(why == "an error without a message");
  CHECK(refused(R"({"error":"API limit reached"})"));
  CHECK(why == "API limit reached");
  CHECK(refused(R"({"error":")" + std::string(300, 'x') + "\u20ac\"}"));
  CHECK(why.size() <= 200);
  CHECK(refused(R"({"error":")" + std::string(190, 'x') + "\u20ac\u20ac\u20ac\u20ac\"}"));
  CHECK(why == std::string(190, 'x') + "\u20ac\u20ac\u20ac"s);
}
