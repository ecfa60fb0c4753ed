// The connectors' shared helpers: rate limits per host, dates, HTTP
// answers as failures, and parse_json under hostile answers.
#include <doctest/doctest.h>

#include <string>

#include "connector_test_support.hpp"
#include "domains/coingecko.hpp"
#include "domains/connector_util.hpp"
#include "domains/http_client.hpp"
#include "domains/open_meteo.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;
using namespace std::string_literals;

TEST_CASE("rate limits per host: one shared bucket, a burst of one call per user") {
  auto b = buckets_per_host({"https://api.open-meteo.com/v1/forecast?latitude=1",
                             "https://api.open-meteo.com/v1/forecast?latitude=2",
                             "https://api.open-meteo.com/v1/forecast?latitude=3",
                             "https://other.example/feed.xml",
                             "http://api.open-meteo.com/v1/forecast"},
                            6);
  REQUIRE(b.size() == 5);
  CHECK(b[0] == b[1]);
  CHECK(b[1] == b[2]);
  CHECK(b[0] != b[3]);
  CHECK(b[0] != b[4]); // another port (80, not 443)
  CHECK(b[0]->per_minute() == 6);
  CHECK(b[0]->burst() == 3);
  CHECK(b[3]->burst() == 1);
  // Shared: what one city takes, the others cannot.
  CHECK(b[0]->try_acquire(0));
  CHECK(b[1]->try_acquire(0));
  CHECK(b[2]->try_acquire(0));
  CHECK_FALSE(b[0]->try_acquire(0));
  CHECK(b[1]->wait_ms(0) == 10000); // 6 a minute
  CHECK(b[3]->try_acquire(0));      // another host's bucket
  CHECK(buckets_per_host({"https://a.example/"}, 0).empty()); // no limit
  json::writer w;
  write_limit(w, "open-meteo", *b[0]);
  auto d = parse(w.take());
  CHECK(d["per_min"].GetDouble() == 6);
  CHECK(d["granted"].GetUint64() == 3);
  CHECK(d["denied"].GetUint64() == 1);
}

TEST_CASE("dates: ISO 8601 and RFC 822") {
  CHECK(parse_iso8601("2026-01-01T00:00:00Z") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01T01:00:00+01:00") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01T00:00:00.250Z") == 1767225600250);
  CHECK(parse_iso8601("2022-10-19T23:28:22.061769Z") == 1666222102061);
  CHECK(parse_iso8601("2026-01-01 00:00:00") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01") == 1767225600000);
  CHECK(parse_iso8601("yesterday") == -1);
  CHECK(parse_rfc822("Thu, 01 Jan 2026 00:00:00 GMT") == 1767225600000);
  CHECK(parse_rfc822("Thu, 01 Jan 2026 01:00:00 +0100") == 1767225600000);
  CHECK(parse_rfc822("1 Jan 2026 00:00 UT") == 1767225600000);
  CHECK(parse_rfc822("Wed, 31 Dec 2025 19:00:00 EST") == 1767225600000);
  CHECK(parse_rfc822("garbage") == -1);
}

TEST_CASE("HTTP answers become failures with reasons and Retry-After") {
  httpc::response res;
  res.ok = true;
  res.status = 429;
  res.retry_after_ms = 7000;
  res.body = R"({"error":"API limit reached"})";
  fetch_result r;
  CHECK_FALSE(check_http("finnhub", res, r));
  CHECK(r.retry_after_ms == 7000);
  CHECK(r.error.find("HTTP 429 Too Many Requests") != std::string::npos);
  res.retry_after_ms = -1;
  CHECK_FALSE(check_http("finnhub", res, r));
  CHECK(r.retry_after_ms == 60000);
  res.status = 500;
  CHECK_FALSE(check_http("x", res, r));
  CHECK(r.retry_after_ms == 0);
  res.status = 200;
  CHECK(check_http("x", res, r));
  httpc::response broken;
  broken.error = "timeout connecting to h:443 after 5000 ms";
  CHECK_FALSE(check_http("x", broken, r));
  CHECK(r.error == "x: timeout connecting to h:443 after 5000 ms");
}

TEST_CASE("CoinGecko and Open-Meteo (parse_json): hostile answers fail the "
          "source with a reason") {
  auto cg = normalize_coingecko("coingecko.markets", deep);
  CHECK_FALSE(cg.ok);
  CHECK(cg.error == "coingecko: invalid JSON: nested deeper than 64 levels");
  cg = normalize_coingecko("coingecko.markets", "[]\0[{\"id\":\"x\"}]"s);
  CHECK(cg.error == "coingecko: invalid JSON: a NUL byte at offset 2");
  cg = normalize_coingecko("coingecko.markets", "[] []");
  CHECK(has(cg.error, "coingecko: invalid JSON at offset 3"));
  city c{"London", 51.51, -0.13};
  auto answer = [](const std::string& time, const std::string& code) {
    return R"({"current":{"time":)" + time + R"(,"temperature_2m":1,)"
           R"("relative_humidity_2m":1,"wind_speed_10m":1,"weather_code":)"
           + code + "}}";
  };
  REQUIRE(normalize_open_meteo("x", c, answer("1795458600", "61")).ok);
  auto om = normalize_open_meteo("x", c, answer("1e300", "61"));
  CHECK(om.error == "open-meteo: current.time is not a time in seconds");
  om = normalize_open_meteo("x", c, answer("1795458600", "1e300"));
  CHECK(om.error == "open-meteo: current.weather_code is not a WMO code");
  om = normalize_open_meteo("x", c, answer("1795458600", "-3"));
  CHECK(om.error == "open-meteo: current.weather_code is not a WMO code");
  om = normalize_open_meteo("x", c, "{\"current\":" + deep + "}");
  CHECK(om.error == "open-meteo: invalid JSON: nested deeper than 64 levels");
}

TEST_CASE("RSS dates: a hostile year or day is invalid, not an overflow") {
  CHECK(parse_rfc822("Tue, 10 Jun 2147483653 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 10 Jun 99999999999999999999 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 4294967297 Jun 2003 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 10 Jun 2003 04:00:00 GMT") == 1055217600000);
  CHECK(parse_rfc822("Tue, 10 Jun 03 04:00:00 GMT") == 1055217600000);
}
