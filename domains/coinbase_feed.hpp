#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"

// The connection to the Coinbase Exchange WebSocket feed behind the
// coinbase.ticker source (coinbase_ticker.hpp): it subscribes, keeps the
// latest tick per product, and reconnects while the source runs.
//
// The connection lives on the connectors' I/O thread: WebSocket pings keep
// it alive and detect a silent peer; when it drops (or Coinbase sends an
// `error`), it reconnects with exponential backoff and jitter and subscribes
// again.
namespace flux::connectors {

struct coinbase_options {
  std::string url = "wss://ws-feed.exchange.coinbase.com";
  std::vector<std::string> products;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000}; // no frame: reconnect
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
};

class coinbase_feed {
public:
  virtual ~coinbase_feed() = default;

  // Opens the connection (once: later calls do nothing).
  virtual void start() = 0;

  // The latest tick of every product that ticked since the last flush, as
  // crypto.ticker updates of `source`. While the feed is down (after its
  // first connect timeout) a failure with the reason and the reconnect
  // loop's state (fetch_result::link_failures).
  virtual fetch_result flush(const std::string& source) = 0;
};

std::shared_ptr<coinbase_feed>
make_coinbase_feed(std::shared_ptr<httpc::client> http, coinbase_options opts);

} // namespace flux::connectors
