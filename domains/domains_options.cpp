#include "domains/domains_options.hpp"

#include <utility>

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"
#include "domains/open_meteo.hpp"

namespace flux {

void add_options(caf::config_option_set& set, domains_options& opts) {
  caf::config_option_adder{set, "domains"}
    .add(opts.weather_interval_ms, "weather-interval-ms",
         "weather poll interval")
    .add(opts.news_interval_ms, "news-interval-ms", "news poll interval")
    .add(opts.stocks_interval_ms, "stocks-interval-ms", "stocks poll interval")
    .add(opts.crypto_markets_interval_ms, "crypto-markets-interval-ms",
         "crypto movers poll interval")
    .add(opts.crypto_ticker_interval_ms, "crypto-ticker-interval-ms",
         "crypto ticker poll interval")
    .add(opts.fetch_timeout_ms, "fetch-timeout-ms",
         "a fetch is abandoned after")
    .add(opts.cities, "cities",
         "weather cities, \"Name\" (built-in) or \"Name:lat:lon\" "
         "(default: built-in list)")
    .add(opts.seed, "seed", "simulation seed (0: random)")
    .add(opts.mode, "mode",
         "simulated (offline, the default) or live (real connectors, see "
         "connectors.*)");
}

void check_options(const domains_options& opts,
                   std::vector<std::string>& errors) {
  for (auto [name, v] :
       {std::pair{"weather-interval-ms", opts.weather_interval_ms},
        {"news-interval-ms", opts.news_interval_ms},
        {"stocks-interval-ms", opts.stocks_interval_ms},
        {"crypto-markets-interval-ms", opts.crypto_markets_interval_ms},
        {"crypto-ticker-interval-ms", opts.crypto_ticker_interval_ms},
        {"fetch-timeout-ms", opts.fetch_timeout_ms}})
    need(errors, v >= 10,
         std::string{"domains."} + name + " must be at least 10");
  need(errors, opts.mode == "simulated" || opts.mode == "live",
       "domains.mode must be simulated or live");
  for (auto& spec : opts.cities) {
    connectors::city c;
    std::string why;
    if (spec.find(':') != std::string::npos || opts.mode == "live")
      need(errors, connectors::parse_city(spec, c, why),
           "domains.cities: " + why);
  }
}

} // namespace flux
