#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "domains/connectors_options.hpp"
#include "domains/domains_options.hpp"
#include "domains/http_client.hpp"
#include "domains/resilience.hpp"
#include "domains/source.hpp"

// The real connectors (domains.mode=live), built from the configuration:
// Open-Meteo per city, CoinGecko, the Coinbase ticker feed, Finnhub (when
// FINNHUB_API_KEY is set) and the news feeds with NewsData.io (when
// NEWSDATA_API_KEY is set). A source whose key is missing is left out with
// a log line saying so; its room still exists (and stays empty).
namespace flux::connectors {

// The connectors' HTTP client options (a fetch's timeout is the domains').
httpc::client_options http_options(const domains_options& domains,
                                   const connectors_options& opts);

std::vector<source_spec> make_live_sources(const domains_options& domains,
                                           const connectors_options& opts,
                                           std::shared_ptr<httpc::client> http);

// Every room the live connectors feed, with or without keys.
std::vector<std::string> live_rooms(const domains_options& domains);

} // namespace flux::connectors
