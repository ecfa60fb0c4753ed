#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/source.hpp"

// Offline sources that behave like the real feeds: prices follow random
// walks, weather drifts plausibly, headlines rotate. They produce events in
// the same schemas as the real connectors (docs/events.md), so the whole
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

// Both crypto sources share one simulated market so the movers and the
// ticker agree on prices.
class crypto_market;
std::shared_ptr<crypto_market> make_crypto_market(uint64_t seed);
std::shared_ptr<source> make_crypto_movers(std::shared_ptr<crypto_market> m);
std::shared_ptr<source> make_crypto_ticker(std::shared_ptr<crypto_market> m);

} // namespace flux::sim
