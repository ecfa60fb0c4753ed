#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

// Every option of a Flux process, in one place. Defaults are below; the file
// config/flux.ini (or --config-file=PATH) overrides them, and command-line
// flags (--group.name=value) override the file. `--help` lists them all.
namespace flux {

class flux_config : public caf::actor_system_config {
public:
  flux_config();

  // Checks ranges and combinations that the parser cannot; returns one
  // readable message per problem (empty when the configuration is valid).
  std::vector<std::string> validate() const;

  // gateway
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
  size_t io_threads = 1;
  size_t max_frame_bytes = 64 * 1024;
  size_t max_connections = 100000;      // TCP connections, HTTP and WebSocket
  size_t max_http_connections = 10000; // not (yet) WebSocket
  size_t max_inflight_body_bytes = 64 << 20; // request bodies being read
  int64_t heartbeat_ms = 15000;
  size_t send_buffer_bytes = 0; // SO_SNDBUF per connection; 0: OS default
  std::string auth_token;       // clients must present it when set
  int64_t socketio_connect_timeout_ms = 45000; // CONNECT within this
  std::string web_root; // empty: web/dist next to the sources, if built

  // session
  size_t queue_budget_bytes = 1 << 20;
  size_t max_batch_bytes = 64 * 1024;
  size_t max_subscriptions = 64;
  double requests_per_second = 50;
  double request_burst = 100;
  size_t max_errors = 100;
  int64_t ping_interval_ms = 25000; // Socket.IO
  int64_t ping_timeout_ms = 20000;  // Socket.IO

  // rooms
  size_t room_history = 256;
  size_t dedup_window = 4096;
  bool allow_dynamic_rooms = true;
  size_t max_rooms = 10000;
  size_t room_max_keys = 10000;       // keys of a stream room
  size_t room_max_bytes = 16u << 20;  // a stream room's state
  size_t room_max_event_bytes = 128u << 10; // an event's data + key
  int64_t resume_ahead_tolerance = 100; // positions a resume may be ahead

  // bus
  std::string bus_topic = "flux.events";
  int32_t bus_partitions = 4;
  size_t retention_records = 10000;
  size_t retention_bytes = 64 << 20;
  std::string bus_kind = "embedded"; // embedded | kafka (docs/kafka.md)
  std::string bus_brokers = "127.0.0.1:9092";
  std::string bus_group = "flux-gateway";
  std::string bus_client_id = "flux";
  std::vector<std::string> kafka_properties; // "key=value" for librdkafka
  int32_t bus_replication_factor = -1;       // -1: the broker's default
  size_t bus_buffer_events = 10000;          // producer's local buffer
  int64_t bus_hydrate_records = 1000; // re-read per partition on assignment

  // node
  std::string node_role = "all"; // all | pollers | gateway (kafka only)
  int64_t shutdown_timeout_ms = 10000; // then exit 3, naming the stuck step

  // cluster (docs/cluster.md)
  std::string cluster_listen;             // host:port; empty: not clustered
  std::vector<std::string> cluster_peers; // host:port of the other nodes
  std::string cluster_node_name;          // default: the gateway's host:port
  bool clustered() const {
    return !cluster_listen.empty() || !cluster_peers.empty();
  }

  // domains (simulated sources)
  int64_t weather_interval_ms = 5000;
  int64_t news_interval_ms = 10000;
  int64_t stocks_interval_ms = 2000;
  int64_t crypto_markets_interval_ms = 5000;
  int64_t crypto_ticker_interval_ms = 250;
  int64_t fetch_timeout_ms = 5000;
  std::vector<std::string> cities; // empty: the default city list
                                   // ("Name" or "Name:lat:lon")
  uint64_t seed = 0;
  std::string domains_mode = "simulated"; // simulated | live

  // connectors (domains.mode=live; docs/connectors.md)
  size_t http_threads = 1;
  int64_t connect_timeout_ms = 5000;
  size_t max_response_bytes = 4 << 20;
  int32_t max_redirects = 3;
  std::string ca_file; // extra trusted CA (PEM), e.g. for tests
  uint32_t breaker_failures = 5;
  int64_t breaker_open_ms = 30000;
  int64_t max_backoff_ms = 300000;
  std::string open_meteo_url = "https://api.open-meteo.com";
  int64_t live_weather_interval_ms = 300000;
  // Open-Meteo's free tier allows 10,000 calls a day (and 5,000 an hour,
  // 600 a minute): 6 a minute on average stays under all three. One bucket
  // for every city (they share the host).
  double open_meteo_calls_per_min = 6;
  std::string coingecko_url = "https://api.coingecko.com";
  int64_t live_markets_interval_ms = 60000;
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
  int64_t live_stocks_interval_ms = 5000;
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
  int64_t live_news_interval_ms = 600000;

  // ingest (POST /ingest/{room}; docs/connectors.md)
  std::string ingest_token;           // empty: the endpoint is disabled
  size_t ingest_max_body_bytes = 1 << 20;
  size_t ingest_max_events = 1000;
  size_t ingest_max_inflight_events = 1000; // not yet routed to rooms
  std::vector<std::string> ingest_rooms; // "name:snapshot" | "name:stream"

  // bench: a fixed-rate load source for benchmarks (domains/bench_source)
  double bench_rate = 0;          // events per second; 0: no bench events
  size_t bench_rooms = 0;         // bench.0 …; 0: one room when rate > 0
  size_t bench_payload_bytes = 64;
  int64_t bench_interval_ms = 5;  // emit tick; each tick emits what is owed
  std::string bench_start_file;   // emit only once this file exists

  // log
  std::string log_level = "info";
  std::string log_format = "json";
};

} // namespace flux
