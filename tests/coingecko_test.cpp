// CoinGecko: the markets answer as crypto.movers.
#include <doctest/doctest.h>

#include <string>

#include "connector_test_support.hpp"
#include "domains/coingecko.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;

TEST_CASE("CoinGecko markets -> crypto.movers") {
  std::string body = "[";
  const char* ids[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  for (int i = 0; i < 12; ++i) {
    if (i)
      body += ",";
    body += std::string{R"({"id":")"} + ids[i] + R"(","symbol":")" + ids[i]
            + R"(","name":"Coin )" + ids[i] + R"(","current_price":)"
            + std::to_string(100 - i) + R"(,"market_cap":)"
            + std::to_string((12 - i) * 1000) + R"(,"total_volume":5,)"
            + R"("price_change_percentage_1h_in_currency":)"
            + std::to_string(i - 6) + R"(.0,"price_change_percentage_24h_in_currency":)"
            + std::to_string(6 - i) + R"(.0,"last_updated":"2026-01-01T00:0)"
            + std::to_string(i % 10) + R"(:00.000Z"})";
  }
  body += R"(,{"id":"nil","symbol":"nil","name":"Nil","current_price":null}])";
  auto r = normalize_coingecko("coingecko.markets", body);
  REQUIRE(r.ok);
  auto d = parse(r.events.at(0).data);
  CHECK(r.events[0].room == "crypto.movers");
  CHECK(d["top"].Size() == 10);
  CHECK(std::string{d["top"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["top"][0]["symbol"].GetString()} == "A");
  CHECK(d["gainers_1h"].Size() == 5);
  CHECK(std::string{d["gainers_1h"][0]["id"].GetString()} == "l");
  CHECK(std::string{d["losers_1h"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["gainers_24h"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["losers_24h"][0]["id"].GetString()} == "l");
  CHECK(d["as_of"].GetInt64() == 1767225600000 + 9 * 60000);
  // Same answer, same payload: the poller suppresses it.
  CHECK(normalize_coingecko("coingecko.markets", body).events[0].data
        == r.events[0].data);
  auto limited = normalize_coingecko(
    "x", R"({"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit"}})");
  CHECK_FALSE(limited.ok);
  CHECK(limited.error == "coingecko: You've exceeded the Rate Limit");
}
