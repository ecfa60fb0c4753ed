#include "config/flux_config.hpp"

#include <filesystem>

#include <boost/asio/ip/address.hpp>

#include "core/logger.hpp"

namespace flux {

flux_config::flux_config() {
  // CAF defaults to at least four scheduler threads; this machine has two.
  set("scheduler.max-threads", 2);
  caf::config_option_adder{custom_options_, "gateway"}
    .add(bind, "bind", "address to listen on")
    .add(port, "port", "HTTP and WebSocket port (0 picks a free one)")
    .add(io_threads, "io-threads", "Asio threads for network I/O")
    .add(max_frame_bytes, "max-frame-bytes", "largest client message")
    .add(max_connections, "max-connections", "WebSocket clients at most")
    .add(heartbeat_ms, "heartbeat-ms",
         "idle time before a WebSocket ping; no answer in as long closes")
    .add(send_buffer_bytes, "send-buffer-bytes",
         "kernel send buffer per connection (0: OS default)")
    .add(web_root, "web-root", "dashboard files (default: web/dist)");
  caf::config_option_adder{custom_options_, "session"}
    .add(queue_budget_bytes, "queue-budget-bytes",
         "bytes queued per client before it is cut off as too slow")
    .add(max_batch_bytes, "max-batch-bytes", "bytes merged into one write")
    .add(max_subscriptions, "max-subscriptions", "rooms per connection")
    .add(requests_per_second, "requests-per-second", "client request rate")
    .add(request_burst, "request-burst", "client request burst")
    .add(max_errors, "max-errors", "invalid requests before closing");
  caf::config_option_adder{custom_options_, "rooms"}
    .add(room_history, "history", "recent events kept per room for resume")
    .add(dedup_window, "dedup-window", "event ids remembered per room")
    .add(allow_dynamic_rooms, "allow-dynamic",
         "create rooms for new room names seen on the bus")
    .add(max_rooms, "max-rooms", "rooms at most");
  caf::config_option_adder{custom_options_, "bus"}
    .add(bus_topic, "topic", "event topic")
    .add(bus_partitions, "partitions", "partitions of the event topic")
    .add(retention_records, "retention-records",
         "records kept per partition (embedded log)")
    .add(retention_bytes, "retention-bytes",
         "bytes kept per partition (embedded log)");
  caf::config_option_adder{custom_options_, "domains"}
    .add(weather_interval_ms, "weather-interval-ms", "weather poll interval")
    .add(news_interval_ms, "news-interval-ms", "news poll interval")
    .add(stocks_interval_ms, "stocks-interval-ms", "stocks poll interval")
    .add(crypto_markets_interval_ms, "crypto-markets-interval-ms",
         "crypto movers poll interval")
    .add(crypto_ticker_interval_ms, "crypto-ticker-interval-ms",
         "crypto ticker poll interval")
    .add(fetch_timeout_ms, "fetch-timeout-ms", "a fetch is abandoned after")
    .add(cities, "cities", "weather cities (default: built-in list)")
    .add(seed, "seed", "simulation seed (0: random)");
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
  boost::system::error_code ec;
  boost::asio::ip::make_address(bind, ec);
  need(!ec, "gateway.bind: '" + bind + "' is not an IP address");
  need(io_threads >= 1 && io_threads <= 64,
       "gateway.io-threads must be between 1 and 64");
  need(max_frame_bytes >= 256 && max_frame_bytes <= (16u << 20),
       "gateway.max-frame-bytes must be between 256 and 16777216");
  need(max_connections >= 1, "gateway.max-connections must be at least 1");
  need(heartbeat_ms >= 100, "gateway.heartbeat-ms must be at least 100");
  if (!web_root.empty())
    need(std::filesystem::is_directory(web_root),
         "gateway.web-root: '" + web_root + "' is not a directory");
  need(queue_budget_bytes >= 4096,
       "session.queue-budget-bytes must be at least 4096");
  need(max_batch_bytes >= 1024, "session.max-batch-bytes must be at least 1024");
  need(max_subscriptions >= 1, "session.max-subscriptions must be at least 1");
  need(requests_per_second > 0 && request_burst >= 1,
       "session.requests-per-second must be > 0 and request-burst >= 1");
  need(max_errors >= 1, "session.max-errors must be at least 1");
  need(room_history >= 1 && room_history <= 1000000,
       "rooms.history must be between 1 and 1000000");
  need(max_rooms >= 1, "rooms.max-rooms must be at least 1");
  need(!bus_topic.empty(), "bus.topic must not be empty");
  need(bus_partitions >= 1 && bus_partitions <= 1024,
       "bus.partitions must be between 1 and 1024");
  need(retention_records >= 1, "bus.retention-records must be at least 1");
  for (auto [name, v] : {std::pair{"weather-interval-ms", weather_interval_ms},
                         {"news-interval-ms", news_interval_ms},
                         {"stocks-interval-ms", stocks_interval_ms},
                         {"crypto-markets-interval-ms",
                          crypto_markets_interval_ms},
                         {"crypto-ticker-interval-ms",
                          crypto_ticker_interval_ms},
                         {"fetch-timeout-ms", fetch_timeout_ms}})
    need(v >= 10, std::string{"domains."} + name + " must be at least 10");
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
