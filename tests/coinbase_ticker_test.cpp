// Coinbase: ticker messages as crypto.ticker updates, and hostile ones.
#include <doctest/doctest.h>

#include <string>

#include "connector_test_support.hpp"
#include "domains/coinbase_ticker.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;
using namespace std::string_literals;

TEST_CASE("Coinbase ticker messages -> crypto.ticker updates") {
  std::string product, payload, why;
  REQUIRE(normalize_coinbase_ticker(
    R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",
        "open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",
        "high_24h":"1313.8","side":"buy","time":"2022-10-19T23:28:22.061769Z"})",
    product, payload, why));
  CHECK(product == "ETH-USD");
  auto d = parse(payload);
  CHECK(std::string{d["product"].GetString()} == "ETH-USD");
  CHECK(d["price"].GetDouble() == doctest::Approx(1285.22));
  CHECK(d["open_24h"].GetDouble() == doctest::Approx(1310.79));
  CHECK(d["high_24h"].GetDouble() == doctest::Approx(1313.8));
  CHECK(d["change_24h_pct"].GetDouble() == doctest::Approx(-1.95));
  CHECK(d["volume_24h"].GetDouble() == doctest::Approx(245532.79269678 * 1285.22).epsilon(1e-9));
  CHECK(d["time"].GetInt64() == 1666222102061);
  CHECK_FALSE(normalize_coinbase_ticker(R"({"type":"heartbeat"})", product, payload, why));
  CHECK(why.empty());
  CHECK_FALSE(normalize_coinbase_ticker(R"({"type":"ticker","price":"x"})", product,
                                        payload, why));
  CHECK_FALSE(why.empty());
  auto sub = parse(coinbase_subscribe_message({"BTC-USD", "ETH-USD"}));
  CHECK(std::string{sub["type"].GetString()} == "subscribe");
  CHECK(sub["product_ids"].Size() == 2);
  CHECK(std::string{sub["channels"][0].GetString()} == "ticker");
}

TEST_CASE("Coinbase: hostile ticker messages are refused as malformed") {
  std::string product, payload, why;
  auto malformed = [&](const std::string& m) {
    why.clear();
    bool ok = normalize_coinbase_ticker(m, product, payload, why);
    return !ok && !why.empty(); // empty why = a valid non-ticker message
  };
  CHECK(malformed(R"({"type":"ticker","x":)" + deep + "}"));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK(malformed("{\"type\":\"ticker\",\"product_id\":\"A\",\"price\":\"1\"}\0x"s));
  CHECK(has(why, "a NUL byte"));
  CHECK(malformed(R"({"type":"ticker"}{"type":"ticker"})"));
  CHECK(has(why, "invalid JSON at offset 17"));
  CHECK(malformed(R"({"type":"ticker","product_id":"A","price":"1e999"})"));
  CHECK(malformed(R"({"type":"ticker","product_id":7,"price":"1"})"));
  CHECK(malformed(R"(["ticker"])"));
  CHECK(why == "message is not a JSON object");
}
