#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

// The connectors.* section: the real sources of domains.mode=live
// (docs/connectors.md, domains/live_sources).
namespace flux {

struct connectors_options {
  size_t http_threads = 1;
  int64_t connect_timeout_ms = 5000;
  size_t max_response_bytes = 4 << 20;
  int32_t max_redirects = 3;
  std::string ca_file; // extra trusted CA (PEM), e.g. for tests
  uint32_t breaker_failures = 5;
  int64_t breaker_open_ms = 30000;
  int64_t max_backoff_ms = 300000;
  std::string open_meteo_url = "https://api.open-meteo.com";
  int64_t weather_interval_ms = 300000;
  // Open-Meteo's free tier allows 10,000 calls a day (and 5,000 an hour,
  // 600 a minute): 6 a minute on average stays under all three. One bucket
  // for every city (they share the host).
  double open_meteo_calls_per_min = 6;
  std::string coingecko_url = "https://api.coingecko.com";
  int64_t markets_interval_ms = 60000;
  size_t coingecko_per_page = 100;
  double coingecko_calls_per_min = 10;
  std::string coinbase_url = "wss://ws-feed.exchange.coinbase.com";
  std::vector<std::string> ticker_products = {
    "BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD",
    "DOGE-USD", "AVAX-USD", "LINK-USD", "LTC-USD", "DOT-USD"};
  int64_t ticker_flush_ms = 500;
  int64_t ticker_idle_timeout_ms = 30000;
  std::string finnhub_url = "https://finnhub.io";
  std::vector<std::string> stock_symbols = {
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM",
    "V", "XOM", "UNH", "WMT", "KO", "DIS", "NFLX", "AMD"};
  int64_t stocks_interval_ms = 5000;
  double finnhub_calls_per_min = 60;
  std::vector<std::string> news_feeds = {
    "https://feeds.bbci.co.uk/news/world/rss.xml",
    "https://www.theguardian.com/world/rss",
    "https://hnrss.org/frontpage"};
  // RSS/Atom hosts publish no limit; a few calls a minute per host is polite
  // (feeds update in minutes). One bucket per feed host.
  double rss_calls_per_min = 2;
  std::string newsdata_url = "https://newsdata.io";
  std::string newsdata_language = "en";
  // NewsData.io's free tier: 30 credits per 15 minutes (and 200 a day,
  // which news-interval-ms keeps to).
  double newsdata_calls_per_min = 2;
  int64_t news_interval_ms = 600000;
};

void add_options(caf::config_option_set& set, connectors_options& opts);
void check_options(const connectors_options& opts,
                   std::vector<std::string>& errors);

} // namespace flux
