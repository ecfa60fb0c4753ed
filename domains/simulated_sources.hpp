#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/simulated_crypto.hpp"
#include "domains/source.hpp"

// Offline sources that behave like the real feeds: prices follow random
// walks, weather drifts plausibly, headlines rotate. They write their events
// with the real connectors' payload builders (weather_payload.hpp,
// stock_payload.hpp, news_payload.hpp, crypto_payload.hpp), so the whole
// system runs on one machine with no network.
namespace flux::sim {

struct city {
  std::string name; // "London"
  double lat = 0;
  double lon = 0;
  double base_temp_c = 12;
};

// The room of a city: "weather." + lower-case name with spaces as '-'.
std::string weather_room(const std::string& city_name);

// The default city list for the simulation.
std::vector<city> default_cities();

// `seed` 0 picks a random seed.
std::shared_ptr<source> make_weather(city c, uint64_t seed);
std::shared_ptr<source> make_news(uint64_t seed);
std::shared_ptr<source> make_stocks(uint64_t seed);

} // namespace flux::sim
