#include "domains/connectors_options.hpp"

#include <filesystem>
#include <utility>

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"
#include "domains/http_client.hpp"

namespace flux {

void add_options(caf::config_option_set& set, connectors_options& opts) {
  caf::config_option_adder{set, "connectors"}
    .add(opts.http_threads, "http-threads", "Asio threads of the connectors")
    .add(opts.connect_timeout_ms, "connect-timeout-ms",
         "resolve + connect + TLS handshake limit")
    .add(opts.max_response_bytes, "max-response-bytes",
         "largest upstream answer (also after gunzip)")
    .add(opts.max_redirects, "max-redirects",
         "redirects followed (0: refused)")
    .add(opts.ca_file, "ca-file", "extra trusted CA file (PEM)")
    .add(opts.breaker_failures, "breaker-failures",
         "consecutive failures that open a source's circuit breaker (0: off)")
    .add(opts.breaker_open_ms, "breaker-open-ms",
         "time an open breaker waits before a trial fetch (doubles)")
    .add(opts.max_backoff_ms, "max-backoff-ms", "longest retry backoff")
    .add(opts.open_meteo_url, "open-meteo-url", "Open-Meteo base URL")
    .add(opts.weather_interval_ms, "weather-interval-ms",
         "Open-Meteo poll interval per city")
    .add(opts.open_meteo_calls_per_min, "open-meteo-calls-per-min",
         "Open-Meteo rate limit, shared by all cities (0: none)")
    .add(opts.coingecko_url, "coingecko-url", "CoinGecko base URL")
    .add(opts.markets_interval_ms, "markets-interval-ms",
         "CoinGecko poll interval")
    .add(opts.coingecko_per_page, "coingecko-per-page", "coins ranked (1-250)")
    .add(opts.coingecko_calls_per_min, "coingecko-calls-per-min",
         "CoinGecko rate limit")
    .add(opts.coinbase_url, "coinbase-url",
         "Coinbase Exchange WebSocket feed URL")
    .add(opts.ticker_products, "ticker-products",
         "Coinbase products to follow")
    .add(opts.ticker_flush_ms, "ticker-flush-ms",
         "ticker flush interval (latest tick per product)")
    .add(opts.ticker_idle_timeout_ms, "ticker-idle-timeout-ms",
         "no data for this long: reconnect the feed")
    .add(opts.finnhub_url, "finnhub-url",
         "Finnhub base URL (key: FINNHUB_API_KEY)")
    .add(opts.stock_symbols, "stock-symbols", "symbols quoted from Finnhub")
    .add(opts.stocks_interval_ms, "stocks-interval-ms",
         "Finnhub poll interval")
    .add(opts.finnhub_calls_per_min, "finnhub-calls-per-min",
         "Finnhub rate limit (free tier: 60)")
    .add(opts.news_feeds, "news-feeds",
         "RSS 2.0 / Atom feed URLs for news.top")
    .add(opts.rss_calls_per_min, "rss-calls-per-min",
         "RSS/Atom rate limit per feed host (0: none)")
    .add(opts.newsdata_url, "newsdata-url",
         "NewsData.io base URL (key: NEWSDATA_API_KEY)")
    .add(opts.newsdata_language, "newsdata-language",
         "NewsData.io language filter")
    .add(opts.newsdata_calls_per_min, "newsdata-calls-per-min",
         "NewsData.io rate limit (0: none)")
    .add(opts.news_interval_ms, "news-interval-ms", "news poll interval");
}

void check_options(const connectors_options& opts,
                   std::vector<std::string>& errors) {
  need(errors, opts.http_threads >= 1 && opts.http_threads <= 16,
       "connectors.http-threads must be between 1 and 16");
  need(errors, opts.connect_timeout_ms >= 10,
       "connectors.connect-timeout-ms must be >= 10");
  need(errors, opts.max_response_bytes >= 1024,
       "connectors.max-response-bytes must be at least 1024");
  need(errors, opts.max_redirects >= 0 && opts.max_redirects <= 10,
       "connectors.max-redirects must be between 0 and 10");
  std::error_code fs_error; // a path too long for the file system: invalid
  if (!opts.ca_file.empty())
    need(errors, std::filesystem::is_regular_file(opts.ca_file, fs_error),
         "connectors.ca-file: '" + opts.ca_file + "' is not a file");
  need(errors, opts.breaker_open_ms >= 10,
       "connectors.breaker-open-ms must be >= 10");
  need(errors, opts.max_backoff_ms >= 10,
       "connectors.max-backoff-ms must be >= 10");
  for (auto [name, v] :
       {std::pair{"weather-interval-ms", opts.weather_interval_ms},
        {"markets-interval-ms", opts.markets_interval_ms},
        {"ticker-flush-ms", opts.ticker_flush_ms},
        {"ticker-idle-timeout-ms", opts.ticker_idle_timeout_ms},
        {"stocks-interval-ms", opts.stocks_interval_ms},
        {"news-interval-ms", opts.news_interval_ms}})
    need(errors, v >= 10,
         std::string{"connectors."} + name + " must be at least 10");
  need(errors, opts.coingecko_per_page >= 10 && opts.coingecko_per_page <= 250,
       "connectors.coingecko-per-page must be between 10 and 250");
  need(errors,
       opts.coingecko_calls_per_min >= 0 && opts.finnhub_calls_per_min >= 0
         && opts.open_meteo_calls_per_min >= 0 && opts.rss_calls_per_min >= 0
         && opts.newsdata_calls_per_min >= 0,
       "connectors.*-calls-per-min must not be negative");
  for (auto& url : {opts.open_meteo_url, opts.coingecko_url, opts.finnhub_url,
                    opts.newsdata_url, opts.coinbase_url}) {
    httpc::url_parts parts;
    std::string why;
    need(errors, httpc::parse_url(url, parts, why), "connectors: " + why);
  }
  for (auto& url : opts.news_feeds) {
    httpc::url_parts parts;
    std::string why;
    need(errors, httpc::parse_url(url, parts, why),
         "connectors.news-feeds: " + why);
  }
}

} // namespace flux
