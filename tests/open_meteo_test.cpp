// Open-Meteo: the current= answer as a weather payload, and cities.
#include <doctest/doctest.h>

#include <string>

#include "connector_test_support.hpp"
#include "domains/open_meteo.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;

TEST_CASE("Open-Meteo current= answer -> weather payload") {
  city c{"London", 51.51, -0.13};
  auto r = normalize_open_meteo(
    "open-meteo.london", c,
    R"({"latitude":51.5,"longitude":-0.12,"current_units":{"time":"unixtime",
        "wind_speed_10m":"km/h"},"current":{"time":1795458600,"interval":900,
        "temperature_2m":11.44,"relative_humidity_2m":71,"apparent_temperature":10.81,
        "weather_code":61,"wind_speed_10m":13.24,"wind_direction_10m":240}})");
  REQUIRE(r.ok);
  REQUIRE(r.events.size() == 1);
  auto& e = r.events[0];
  CHECK(e.room == "weather.london");
  CHECK(e.kind == event_kind::snapshot);
  CHECK(e.source == "open-meteo.london");
  auto d = parse(e.data);
  CHECK(std::string{d["city"].GetString()} == "London");
  CHECK(d["lat"].GetDouble() == doctest::Approx(51.51));
  CHECK(d["temperature_c"].GetDouble() == doctest::Approx(11.4));
  CHECK(d["apparent_c"].GetDouble() == doctest::Approx(10.8));
  CHECK(d["humidity_pct"].GetDouble() == 71);
  CHECK(d["wind_kph"].GetDouble() == doctest::Approx(13.2));
  CHECK(d["weather_code"].GetInt() == 61);
  CHECK(std::string{d["condition"].GetString()} == "Light rain");
  CHECK(d["observed_at"].GetInt64() == 1795458600000);
  // Errors say what went wrong.
  auto err = normalize_open_meteo("x", c, R"({"error":true,"reason":"Latitude must be in range"})");
  CHECK_FALSE(err.ok);
  CHECK(err.error == "open-meteo: Latitude must be in range");
  auto missing = normalize_open_meteo("x", c, R"({"current":{"time":1}})");
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.find("temperature_2m") != std::string::npos);
  auto garbage = normalize_open_meteo("x", c, "{\"current\":");
  CHECK_FALSE(garbage.ok);
  CHECK(garbage.error.find("invalid JSON") != std::string::npos);
  CHECK(open_meteo_url("https://api.open-meteo.com/", c).find(
          "/v1/forecast?latitude=51.5100&longitude=-0.1300&current=temperature_2m")
        != std::string::npos);
}

TEST_CASE("cities: built-in names or Name:lat:lon") {
  city c;
  std::string why;
  REQUIRE(parse_city("Tokyo", c, why));
  CHECK(c.lat == doctest::Approx(35.68));
  REQUIRE(parse_city("New Delhi:28.61:77.21", c, why));
  CHECK(c.name == "New Delhi");
  CHECK(c.lon == doctest::Approx(77.21));
  CHECK_FALSE(parse_city("Atlantis", c, why));
  CHECK(why.find("Name:lat:lon") != std::string::npos);
  CHECK_FALSE(parse_city("X:95:0", c, why));
  CHECK_FALSE(parse_city("X:1", c, why));
}
