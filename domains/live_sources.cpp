#include "domains/live_sources.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/logger.hpp"
#include "domains/coinbase_ticker.hpp"
#include "domains/coingecko.hpp"
#include "domains/connector_util.hpp"
#include "domains/finnhub.hpp"
#include "domains/news_feeds.hpp"
#include "domains/open_meteo.hpp"
#include "domains/simulated_sources.hpp"

namespace flux::connectors {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string{v} : std::string{};
}

std::vector<city> cities_of(const domains_options& domains) {
  std::vector<city> out;
  if (domains.cities.empty()) {
    for (auto& c : sim::default_cities())
      out.push_back(city{c.name, c.lat, c.lon});
    return out;
  }
  for (auto& spec : domains.cities) {
    city c;
    std::string why;
    if (parse_city(spec, c, why)) // validated by flux_config::validate
      out.push_back(c);
  }
  return out;
}

} // namespace

httpc::client_options http_options(const domains_options& domains,
                                   const connectors_options& opts) {
  httpc::client_options o;
  o.threads = opts.http_threads;
  o.connect_timeout = std::chrono::milliseconds{opts.connect_timeout_ms};
  o.read_timeout = std::chrono::milliseconds{domains.fetch_timeout_ms};
  // No request outlives the poller's fetch timeout by much, since the poller
  // keeps the source in flight until it ends (single-flight). A little
  // later than the poller's own timeout, so that one decides (one reason).
  o.deadline = std::chrono::milliseconds{
    domains.fetch_timeout_ms
    + std::max<int64_t>(100, domains.fetch_timeout_ms / 10)};
  o.max_body_bytes = opts.max_response_bytes;
  o.max_redirects = opts.max_redirects;
  o.extra_ca_file = opts.ca_file;
  return o;
}

std::vector<std::string> live_rooms(const domains_options& domains) {
  std::vector<std::string> out;
  for (auto& c : cities_of(domains))
    out.push_back(sim::weather_room(c.name));
  for (auto r : {"crypto.movers", "crypto.ticker", "stocks.movers", "news.top"})
    out.emplace_back(r);
  return out;
}

std::vector<source_spec>
make_live_sources(const domains_options& domains,
                  const connectors_options& opts,
                  std::shared_ptr<httpc::client> http) {
  using ms = std::chrono::milliseconds;
  std::vector<source_spec> out;
  // Open-Meteo's limit is per client, not per city: one bucket for all
  // (a burst of one call per city, so each city's first fetch is at once).
  auto cities = cities_of(domains);
  std::vector<std::string> weather_urls;
  for (auto& c : cities)
    weather_urls.push_back(open_meteo_url(opts.open_meteo_url, c));
  auto weather_buckets = buckets_per_host(weather_urls,
                                          opts.open_meteo_calls_per_min);
  auto weather_bucket = "open-meteo " + host_port_of(opts.open_meteo_url);
  for (size_t i = 0; i < cities.size(); ++i) {
    source_spec l{make_open_meteo(http, opts.open_meteo_url, cities[i]),
                  ms{opts.weather_interval_ms}};
    if (!weather_buckets.empty()) {
      l.pacer = weather_buckets[i];
      l.pacer_key = weather_bucket;
    }
    out.push_back(std::move(l));
  }
  out.push_back({make_coingecko(http, opts.coingecko_url,
                                opts.coingecko_per_page,
                                env("COINGECKO_API_KEY")),
                 ms{opts.markets_interval_ms}, opts.coingecko_calls_per_min});
  if (!opts.ticker_products.empty()) {
    coinbase_options cb;
    cb.url = opts.coinbase_url;
    cb.products = opts.ticker_products;
    cb.connect_timeout = ms{opts.connect_timeout_ms};
    cb.idle_timeout = ms{opts.ticker_idle_timeout_ms};
    out.push_back({make_coinbase_ticker(http, cb), ms{opts.ticker_flush_ms}});
  } else {
    log::warn("connectors", "no connectors.ticker-products: crypto.ticker "
                            "is disabled");
  }
  auto finnhub_key = env("FINNHUB_API_KEY");
  if (finnhub_key.empty()) {
    log::warn("connectors", "FINNHUB_API_KEY is not set: the Finnhub source "
                            "(stocks.movers) is disabled",
              {{"room", "stocks.movers"}});
  } else if (opts.stock_symbols.empty()) {
    log::warn("connectors", "no connectors.stock-symbols: stocks.movers is "
                            "disabled");
  } else {
    finnhub_options f;
    f.base_url = opts.finnhub_url;
    f.api_key = finnhub_key;
    f.symbols = opts.stock_symbols;
    f.calls_per_min = opts.finnhub_calls_per_min;
    out.push_back({make_finnhub(http, f), ms{opts.stocks_interval_ms}});
  }
  news_options n;
  n.feeds = opts.news_feeds;
  n.newsdata_url = opts.newsdata_url;
  n.newsdata_key = env("NEWSDATA_API_KEY");
  n.newsdata_language = opts.newsdata_language;
  n.rss_calls_per_min = opts.rss_calls_per_min;
  n.newsdata_calls_per_min = opts.newsdata_calls_per_min;
  if (n.newsdata_key.empty())
    log::warn("connectors", "NEWSDATA_API_KEY is not set: the NewsData.io "
                            "source is disabled (RSS/Atom feeds still feed "
                            "news.top)",
              {{"feeds", std::to_string(n.feeds.size())}});
  if (n.feeds.empty() && n.newsdata_key.empty())
    log::warn("connectors", "no news feeds and no NEWSDATA_API_KEY: news.top "
                            "is disabled");
  else
    out.push_back({make_news(http, n), ms{opts.news_interval_ms}});
  log::info("connectors", "live sources",
            {{"sources", std::to_string(out.size())},
             {"http_threads", std::to_string(opts.http_threads)}});
  return out;
}

} // namespace flux::connectors
