#include "config/flux_config.hpp"

#include <filesystem>

#include <boost/asio/ip/address.hpp>

#include "bus/kafka_config.hpp"
#include "cluster/cluster.hpp"
#include "core/logger.hpp"
#include "domains/http_client.hpp"
#include "domains/open_meteo.hpp"
#include "gateway/ingest.hpp"

namespace flux {

flux_config::flux_config() {
  // CAF defaults to at least four scheduler threads. One worker beside the
  // Asio I/O thread fits a 2-core machine best: with two, the workers'
  // stealing and wake-ups cost more than they add (docs/benchmarks.md,
  // "Thread budget"). Raise both on a bigger machine.
  set("scheduler.max-threads", 1);
  // An idle worker spins briefly, then sleeps until work arrives. CAF's
  // default "moderate" phase wakes it every 50 us for 25 ms after each job:
  // 13 % of a core on an idle node with simulated feeds, and no faster
  // under load (docs/benchmarks.md, "Idle CPU").
  set("work-stealing.moderate-poll-attempts", 0);
  // Clustered (CAF networking loaded): notice a peer that went silent, not
  // only one whose connection closed (both are off in CAF by default).
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds{1}});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{5}});
  caf::config_option_adder{custom_options_, "gateway"}
    .add(bind, "bind", "address to listen on")
    .add(port, "port", "HTTP and WebSocket port (0 picks a free one)")
    .add(io_threads, "io-threads", "Asio threads for network I/O")
    .add(max_frame_bytes, "max-frame-bytes", "largest client message")
    .add(max_connections, "max-connections",
         "open connections at most, HTTP and WebSocket (beyond: 503)")
    .add(max_http_connections, "max-http-connections",
         "open connections not (yet) WebSocket at most (beyond: 503)")
    .add(max_inflight_body_bytes, "max-inflight-body-bytes",
         "request body bytes being read at once, over all connections "
         "(beyond: 503 with Retry-After)")
    .add(heartbeat_ms, "heartbeat-ms",
         "idle time before a WebSocket ping; no answer in as long closes")
    .add(send_buffer_bytes, "send-buffer-bytes",
         "kernel send buffer per connection (0: OS default)")
    .add(auth_token, "auth-token",
         "token clients must present (/ws?token=…, Socket.IO auth.token); "
         "empty: open")
    .add(socketio_connect_timeout_ms, "socketio-connect-timeout-ms",
         "Socket.IO: time from the open packet to the client's CONNECT "
         "before the connection is closed")
    .add(web_root, "web-root", "dashboard files (default: web/dist)");
  caf::config_option_adder{custom_options_, "session"}
    .add(queue_budget_bytes, "queue-budget-bytes",
         "bytes queued per client before it is cut off as too slow")
    .add(max_batch_bytes, "max-batch-bytes", "bytes merged into one write")
    .add(max_subscriptions, "max-subscriptions", "rooms per connection")
    .add(requests_per_second, "requests-per-second", "client request rate")
    .add(request_burst, "request-burst", "client request burst")
    .add(max_errors, "max-errors", "invalid requests before closing")
    .add(ping_interval_ms, "ping-interval-ms", "Socket.IO ping interval")
    .add(ping_timeout_ms, "ping-timeout-ms",
         "Socket.IO: time for a pong before the client is dropped");
  caf::config_option_adder{custom_options_, "rooms"}
    .add(room_history, "history", "recent events kept per room for resume")
    .add(dedup_window, "dedup-window", "event ids remembered per room")
    .add(allow_dynamic_rooms, "allow-dynamic",
         "create rooms for new room names seen on the bus")
    .add(max_rooms, "max-rooms", "rooms at most")
    .add(room_max_keys, "max-keys",
         "keys a stream room keeps; past it the least recently updated "
         "key is evicted (evicted_keys on /stats)")
    .add(room_max_bytes, "max-bytes",
         "bytes of keyed state a room keeps (evicting likewise)")
    .add(room_max_event_bytes, "max-event-bytes",
         "largest event (data + key) a room applies; larger ones are "
         "dropped (oversized_events on /stats); keep it well under "
         "session.queue-budget-bytes")
    .add(resume_ahead_tolerance, "resume-ahead-tolerance",
         "positions a resume may be ahead of the room (a lagging node "
         "catching up); further gets resumed:false, ahead_of_room");
  caf::config_option_adder{custom_options_, "bus"}
    .add(bus_topic, "topic", "event topic")
    .add(bus_partitions, "partitions", "partitions of the event topic")
    .add(retention_records, "retention-records",
         "records kept per partition (embedded log)")
    .add(retention_bytes, "retention-bytes",
         "bytes kept per partition (embedded log)")
    .add(bus_kind, "kind", "embedded (in-process log) or kafka")
    .add(bus_brokers, "brokers", "Kafka bootstrap servers, host:port,...")
    .add(bus_group, "group", "Kafka consumer group of the gateways")
    .add(bus_client_id, "client-id", "Kafka client id prefix")
    .add(kafka_properties, "kafka-properties",
         "librdkafka properties, a list of \"key=value\" (e.g. security)")
    .add(bus_replication_factor, "replication-factor",
         "replication of the topic when Flux creates it (-1: broker default)")
    .add(bus_hydrate_records, "hydrate-records",
         "Kafka: on each partition assignment, re-read this many records "
         "before the committed offset so a (re)started node's rooms get "
         "their latest snapshots back (0: none)")
    .add(bus_buffer_events, "buffer-events",
         "events the Kafka producer buffers while the broker is away");
  caf::config_option_adder{custom_options_, "node"}
    .add(node_role, "role",
         "all, pollers (produce only) or gateway (consume only); "
         "pollers and gateway need bus.kind=kafka")
    .add(shutdown_timeout_ms, "shutdown-timeout-ms",
         "a stop that takes longer is cut short: the stuck step is logged "
         "and the process exits with code 3");
  caf::config_option_adder{custom_options_, "cluster"}
    .add(cluster_listen, "listen",
         "host:port to accept peer gateways on (port 0 picks one); empty: "
         "not clustered (docs/cluster.md)")
    .add(cluster_peers, "peers", "host:port of the other gateway nodes")
    .add(cluster_node_name, "node-name",
         "this node's name in the cluster (default: host:port of the gateway)");
  caf::config_option_adder{custom_options_, "domains"}
    .add(weather_interval_ms, "weather-interval-ms", "weather poll interval")
    .add(news_interval_ms, "news-interval-ms", "news poll interval")
    .add(stocks_interval_ms, "stocks-interval-ms", "stocks poll interval")
    .add(crypto_markets_interval_ms, "crypto-markets-interval-ms",
         "crypto movers poll interval")
    .add(crypto_ticker_interval_ms, "crypto-ticker-interval-ms",
         "crypto ticker poll interval")
    .add(fetch_timeout_ms, "fetch-timeout-ms", "a fetch is abandoned after")
    .add(cities, "cities",
         "weather cities, \"Name\" (built-in) or \"Name:lat:lon\" "
         "(default: built-in list)")
    .add(seed, "seed", "simulation seed (0: random)")
    .add(domains_mode, "mode",
         "simulated (offline, the default) or live (real connectors, see "
         "connectors.*)");
  caf::config_option_adder{custom_options_, "connectors"}
    .add(http_threads, "http-threads", "Asio threads of the connectors")
    .add(connect_timeout_ms, "connect-timeout-ms",
         "resolve + connect + TLS handshake limit")
    .add(max_response_bytes, "max-response-bytes",
         "largest upstream answer (also after gunzip)")
    .add(max_redirects, "max-redirects", "redirects followed (0: refused)")
    .add(ca_file, "ca-file", "extra trusted CA file (PEM)")
    .add(breaker_failures, "breaker-failures",
         "consecutive failures that open a source's circuit breaker (0: off)")
    .add(breaker_open_ms, "breaker-open-ms",
         "time an open breaker waits before a trial fetch (doubles)")
    .add(max_backoff_ms, "max-backoff-ms", "longest retry backoff")
    .add(open_meteo_url, "open-meteo-url", "Open-Meteo base URL")
    .add(live_weather_interval_ms, "weather-interval-ms",
         "Open-Meteo poll interval per city")
    .add(open_meteo_calls_per_min, "open-meteo-calls-per-min",
         "Open-Meteo rate limit, shared by all cities (0: none)")
    .add(coingecko_url, "coingecko-url", "CoinGecko base URL")
    .add(live_markets_interval_ms, "markets-interval-ms",
         "CoinGecko poll interval")
    .add(coingecko_per_page, "coingecko-per-page", "coins ranked (1-250)")
    .add(coingecko_calls_per_min, "coingecko-calls-per-min",
         "CoinGecko rate limit")
    .add(coinbase_url, "coinbase-url", "Coinbase Exchange WebSocket feed URL")
    .add(ticker_products, "ticker-products", "Coinbase products to follow")
    .add(ticker_flush_ms, "ticker-flush-ms",
         "ticker flush interval (latest tick per product)")
    .add(ticker_idle_timeout_ms, "ticker-idle-timeout-ms",
         "no data for this long: reconnect the feed")
    .add(finnhub_url, "finnhub-url", "Finnhub base URL (key: FINNHUB_API_KEY)")
    .add(stock_symbols, "stock-symbols", "symbols quoted from Finnhub")
    .add(live_stocks_interval_ms, "stocks-interval-ms", "Finnhub poll interval")
    .add(finnhub_calls_per_min, "finnhub-calls-per-min",
         "Finnhub rate limit (free tier: 60)")
    .add(news_feeds, "news-feeds", "RSS 2.0 / Atom feed URLs for news.top")
    .add(rss_calls_per_min, "rss-calls-per-min",
         "RSS/Atom rate limit per feed host (0: none)")
    .add(newsdata_url, "newsdata-url",
         "NewsData.io base URL (key: NEWSDATA_API_KEY)")
    .add(newsdata_language, "newsdata-language", "NewsData.io language filter")
    .add(newsdata_calls_per_min, "newsdata-calls-per-min",
         "NewsData.io rate limit (0: none)")
    .add(live_news_interval_ms, "news-interval-ms", "news poll interval");
  caf::config_option_adder{custom_options_, "ingest"}
    .add(ingest_token, "token",
         "bearer token for POST /ingest/{room} (empty: ingest disabled)")
    .add(ingest_max_body_bytes, "max-body-bytes", "largest ingest request")
    .add(ingest_max_events, "max-events", "events per ingest request")
    .add(ingest_max_inflight_events, "max-inflight-events",
         "ingested events handed to the bus and not yet routed to their rooms "
         "(beyond: 429 with Retry-After)")
    .add(ingest_rooms, "rooms",
         "rooms open to ingest, [\"name:snapshot\", \"name:stream\", …]");
  caf::config_option_adder{custom_options_, "bench"}
    .add(bench_rate, "rate",
         "benchmark events per second over the bench.* rooms (0: off)")
    .add(bench_rooms, "rooms",
         "bench rooms bench.0 … (0: one when rate > 0; with rate 0 the rooms "
         "exist but stay idle)")
    .add(bench_payload_bytes, "payload-bytes", "size of each bench event's data")
    .add(bench_interval_ms, "interval-ms",
         "bench emit tick; every tick emits the events owed")
    .add(bench_start_file, "start-file",
         "emit nothing until this file exists (flux-bench --ready-file)");
  caf::config_option_adder{custom_options_, "log"}
    .add(log_level, "level", "debug, info, warn or error")
    .add(log_format, "format", "json or text");
}

std::vector<std::string> flux_config::validate() const {
  std::vector<std::string> errors;
  auto need = [&](bool ok, std::string message) {
    if (!ok)
      errors.push_back(std::move(message));
  };
  std::error_code fs_error; // a path too long for the file system: invalid
  boost::system::error_code ec;
  boost::asio::ip::make_address(bind, ec);
  need(!ec, "gateway.bind: '" + bind + "' is not an IP address");
  need(io_threads >= 1 && io_threads <= 64,
       "gateway.io-threads must be between 1 and 64");
  need(max_frame_bytes >= 256 && max_frame_bytes <= (16u << 20),
       "gateway.max-frame-bytes must be between 256 and 16777216");
  need(max_connections >= 1, "gateway.max-connections must be at least 1");
  need(max_http_connections >= 1,
       "gateway.max-http-connections must be at least 1");
  need(max_inflight_body_bytes >= 65536
         && max_inflight_body_bytes >= ingest_max_body_bytes,
       "gateway.max-inflight-body-bytes must be at least 65536 and at least "
       "ingest.max-body-bytes");
  need(heartbeat_ms >= 100, "gateway.heartbeat-ms must be at least 100");
  need(socketio_connect_timeout_ms >= 50
         && socketio_connect_timeout_ms <= 3600000,
       "gateway.socketio-connect-timeout-ms must be between 50 and 3600000");
  if (!web_root.empty())
    need(std::filesystem::is_directory(web_root, fs_error),
         "gateway.web-root: '" + web_root + "' is not a directory");
  need(queue_budget_bytes >= 4096,
       "session.queue-budget-bytes must be at least 4096");
  need(max_batch_bytes >= 1024, "session.max-batch-bytes must be at least 1024");
  need(max_subscriptions >= 1, "session.max-subscriptions must be at least 1");
  need(requests_per_second > 0 && request_burst >= 1,
       "session.requests-per-second must be > 0 and request-burst >= 1");
  need(max_errors >= 1, "session.max-errors must be at least 1");
  need(ping_interval_ms >= 50 && ping_timeout_ms >= 50,
       "session.ping-interval-ms and session.ping-timeout-ms must be >= 50");
  need(room_history >= 1 && room_history <= 1000000,
       "rooms.history must be between 1 and 1000000");
  need(max_rooms >= 1, "rooms.max-rooms must be at least 1");
  need(room_max_keys >= 1 && room_max_keys <= 10000000,
       "rooms.max-keys must be between 1 and 10000000");
  need(room_max_bytes >= 4096, "rooms.max-bytes must be at least 4096");
  need(room_max_event_bytes >= 256 && room_max_event_bytes <= (16u << 20),
       "rooms.max-event-bytes must be between 256 and 16777216");
  need(resume_ahead_tolerance >= 0,
       "rooms.resume-ahead-tolerance must be at least 0");
  need(!bus_topic.empty(), "bus.topic must not be empty");
  need(bus_partitions >= 1 && bus_partitions <= 1024,
       "bus.partitions must be between 1 and 1024");
  need(retention_records >= 1, "bus.retention-records must be at least 1");
  need(bus_kind == "embedded" || bus_kind == "kafka",
       "bus.kind must be embedded or kafka");
  need(node_role == "all" || node_role == "pollers" || node_role == "gateway",
       "node.role must be all, pollers or gateway");
  need(shutdown_timeout_ms >= 1000 && shutdown_timeout_ms <= 600000,
       "node.shutdown-timeout-ms must be between 1000 and 600000");
  if (bus_kind == "kafka") {
    need(!bus_brokers.empty(), "bus.brokers must not be empty with bus.kind=kafka");
    need(!bus_group.empty(), "bus.group must not be empty");
    need(!bus_client_id.empty(), "bus.client-id must not be empty");
    need(bus_replication_factor == -1
           || (bus_replication_factor >= 1 && bus_replication_factor <= 32767),
         "bus.replication-factor must be -1 or between 1 and 32767");
    need(bus_buffer_events >= 1, "bus.buffer-events must be at least 1");
    need(bus_hydrate_records >= 0 && bus_hydrate_records <= 10000000,
         "bus.hydrate-records must be between 0 and 10000000");
    for (auto& p : bus::check_kafka_properties(kafka_properties))
      errors.push_back(p);
  } else {
    need(node_role == "all",
         "node.role=" + node_role + " needs bus.kind=kafka (the embedded bus "
         "lives inside one process)");
  }
  if (clustered()) {
    std::string host, why;
    uint16_t port = 0;
    need(!cluster_listen.empty(),
         "cluster.peers needs cluster.listen (peers dial this node too)");
    if (!cluster_listen.empty()) {
      bool ok = parse_peer_address(cluster_listen, host, port, why);
      need(ok, "cluster.listen: " + why);
    }
    for (auto& peer : cluster_peers) {
      bool ok = parse_peer_address(peer, host, port, why);
      need(ok, "cluster.peers: " + why);
    }
    need(bus_kind == "kafka",
         "a cluster needs bus.kind=kafka (positions must be the same on every "
         "node: Kafka offsets)");
    need(node_role != "pollers",
         "node.role=pollers serves no rooms: it does not join a cluster");
  }
  for (auto [name, v] : {std::pair{"weather-interval-ms", weather_interval_ms},
                         {"news-interval-ms", news_interval_ms},
                         {"stocks-interval-ms", stocks_interval_ms},
                         {"crypto-markets-interval-ms",
                          crypto_markets_interval_ms},
                         {"crypto-ticker-interval-ms",
                          crypto_ticker_interval_ms},
                         {"fetch-timeout-ms", fetch_timeout_ms}})
    need(v >= 10, std::string{"domains."} + name + " must be at least 10");
  need(domains_mode == "simulated" || domains_mode == "live",
       "domains.mode must be simulated or live");
  for (auto& spec : cities) {
    connectors::city c;
    std::string why;
    if (spec.find(':') != std::string::npos || domains_mode == "live")
      need(connectors::parse_city(spec, c, why), "domains.cities: " + why);
  }
  need(http_threads >= 1 && http_threads <= 16,
       "connectors.http-threads must be between 1 and 16");
  need(connect_timeout_ms >= 10, "connectors.connect-timeout-ms must be >= 10");
  need(max_response_bytes >= 1024,
       "connectors.max-response-bytes must be at least 1024");
  need(max_redirects >= 0 && max_redirects <= 10,
       "connectors.max-redirects must be between 0 and 10");
  if (!ca_file.empty())
    need(std::filesystem::is_regular_file(ca_file, fs_error),
         "connectors.ca-file: '" + ca_file + "' is not a file");
  need(breaker_open_ms >= 10, "connectors.breaker-open-ms must be >= 10");
  need(max_backoff_ms >= 10, "connectors.max-backoff-ms must be >= 10");
  for (auto [name, v] : {std::pair{"weather-interval-ms", live_weather_interval_ms},
                         {"markets-interval-ms", live_markets_interval_ms},
                         {"ticker-flush-ms", ticker_flush_ms},
                         {"ticker-idle-timeout-ms", ticker_idle_timeout_ms},
                         {"stocks-interval-ms", live_stocks_interval_ms},
                         {"news-interval-ms", live_news_interval_ms}})
    need(v >= 10, std::string{"connectors."} + name + " must be at least 10");
  need(coingecko_per_page >= 10 && coingecko_per_page <= 250,
       "connectors.coingecko-per-page must be between 10 and 250");
  need(coingecko_calls_per_min >= 0 && finnhub_calls_per_min >= 0
         && open_meteo_calls_per_min >= 0 && rss_calls_per_min >= 0
         && newsdata_calls_per_min >= 0,
       "connectors.*-calls-per-min must not be negative");
  for (auto& url : {open_meteo_url, coingecko_url, finnhub_url, newsdata_url,
                    coinbase_url}) {
    httpc::url_parts parts;
    std::string why;
    need(httpc::parse_url(url, parts, why), "connectors: " + why);
  }
  for (auto& url : news_feeds) {
    httpc::url_parts parts;
    std::string why;
    need(httpc::parse_url(url, parts, why), "connectors.news-feeds: " + why);
  }
  need(ingest_max_body_bytes >= 256 && ingest_max_body_bytes <= (64u << 20),
       "ingest.max-body-bytes must be between 256 and 67108864");
  need(ingest_max_events >= 1, "ingest.max-events must be at least 1");
  need(ingest_max_inflight_events >= ingest_max_events,
       "ingest.max-inflight-events must be at least ingest.max-events");
  for (auto& spec : ingest_rooms) {
    gateway::ingest_room r;
    std::string why;
    need(gateway::parse_ingest_room(spec, r, why), "ingest.rooms: " + why);
  }
  need(bench_rate >= 0 && bench_rate <= 10e6,
       "bench.rate must be between 0 and 10000000");
  need(bench_rooms <= max_rooms, "bench.rooms must be at most rooms.max-rooms");
  need(bench_payload_bytes <= (1u << 20),
       "bench.payload-bytes must be at most 1048576");
  need(bench_interval_ms >= 1 && bench_interval_ms <= 1000,
       "bench.interval-ms must be between 1 and 1000");
  log::level lvl;
  need(log::parse_level(log_level, lvl),
       "log.level must be debug, info, warn or error");
  need(log_format == "json" || log_format == "text",
       "log.format must be json or text");
  auto threads = caf::get_or(*this, "scheduler.max-threads", size_t{0});
  need(threads >= 1 && threads <= 64,
       "scheduler.max-threads must be between 1 and 64");
  return errors;
}

} // namespace flux
