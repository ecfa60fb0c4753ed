// Unit tests of the offline sources: the events they produce follow the
// room schemas, and a fresh ticker room is complete from the first poll.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <rapidjson/document.h>

#include "domains/simulated_sources.hpp"

using namespace flux;

namespace {

fetch_result fetch_now(source& src) {
  fetch_result out;
  src.fetch([&](fetch_result r) { out = std::move(r); });
  return out;
}

std::set<std::string> keys_of(const fetch_result& r) {
  std::set<std::string> keys;
  for (auto& e : r.events)
    keys.insert(e.key);
  return keys;
}

} // namespace

TEST_CASE("simulated ticker: the first poll reports every product, later "
          "polls only the few that moved") {
  auto market = sim::make_crypto_market(7);
  auto ticker = sim::make_crypto_ticker(market);
  auto first = fetch_now(*ticker);
  REQUIRE(first.ok);
  auto keys = keys_of(first);
  CHECK(keys.size() == first.events.size()); // one event per product
  CHECK(keys.size() == 12);
  CHECK(keys.count("BTC-USD") == 1);
  for (auto& e : first.events) {
    CHECK(e.room == "crypto.ticker");
    CHECK(e.kind == event_kind::update);
    rapidjson::Document d;
    d.Parse(e.data.c_str());
    REQUIRE(d.IsObject());
    CHECK(d["product"].GetString() == e.key);
    CHECK(d["price"].GetDouble() > 0);
    CHECK(d["low_24h"].GetDouble() <= d["high_24h"].GetDouble());
  }
  for (int i = 0; i < 5; ++i) {
    auto next = fetch_now(*ticker);
    REQUIRE(next.ok);
    CHECK(!next.events.empty());
    CHECK(next.events.size() <= 3);
    CHECK(keys_of(next).size() == next.events.size());
  }
}

TEST_CASE("simulated crypto movers and ticker share one market") {
  auto market = sim::make_crypto_market(11);
  auto ticker = sim::make_crypto_ticker(market);
  auto movers = sim::make_crypto_movers(market);
  auto t = fetch_now(*ticker);
  auto m = fetch_now(*movers);
  REQUIRE(m.ok);
  REQUIRE(m.events.size() == 1);
  rapidjson::Document d;
  d.Parse(m.events[0].data.c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d["top"].IsArray());
  CHECK(d["top"].Size() == 10);
  // The price movers report for bitcoin is the ticker's latest BTC price.
  double ticker_btc = 0;
  for (auto& e : t.events)
    if (e.key == "BTC-USD") {
      rapidjson::Document td;
      td.Parse(e.data.c_str());
      ticker_btc = td["price"].GetDouble();
    }
  double movers_btc = 0;
  for (auto& row : d["top"].GetArray())
    if (std::string{row["symbol"].GetString()} == "BTC")
      movers_btc = row["price"].GetDouble();
  CHECK(ticker_btc > 0);
  CHECK(movers_btc == doctest::Approx(ticker_btc));
}
