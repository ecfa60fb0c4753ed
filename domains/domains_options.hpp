#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The domains.* section: which sources feed the rooms, and the simulated
// ones' intervals (the live connectors have their own: connectors_options).
namespace flux {

struct domains_options {
  int64_t weather_interval_ms = 5000;
  int64_t news_interval_ms = 10000;
  int64_t stocks_interval_ms = 2000;
  int64_t crypto_markets_interval_ms = 5000;
  int64_t crypto_ticker_interval_ms = 250;
  int64_t fetch_timeout_ms = 5000; // every poller's, simulated or live
  std::vector<std::string> cities; // empty: the default city list
                                   // ("Name" or "Name:lat:lon")
  uint64_t seed = 0;
  std::string mode = "simulated"; // simulated | live
};

void add_options(caf::config_option_set& set, domains_options& opts);
void check_options(const domains_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
