#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"

// Live crypto ticker from the Coinbase Exchange WebSocket feed (no key):
// connects to {url} (wss://ws-feed.exchange.coinbase.com), sends
//   {"type":"subscribe","product_ids":[…],"channels":["ticker","heartbeat"]}
// and keeps the latest `ticker` message per product. Each fetch (the
// poller's interval is the flush interval) hands over the latest tick of
// every product that ticked since the last flush, as crypto.ticker updates
// (docs/events.md): many ticks of one product in an interval are coalesced
// into one event.
//
// The connection lives on the connectors' I/O thread: WebSocket pings keep
// it alive and detect a silent peer; when it drops (or Coinbase sends an
// `error`), it reconnects with exponential backoff and jitter and subscribes
// again. While it is down, fetches fail with the reason, so the poller marks
// crypto.ticker stale and clears it once ticks flow again.
namespace flux::connectors {

struct coinbase_options {
  std::string url = "wss://ws-feed.exchange.coinbase.com";
  std::vector<std::string> products;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000}; // no frame: reconnect
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
};

// Normalizes one feed message. Returns true for a ticker message, setting
// the product and the crypto.ticker payload; false otherwise (with `why`
// set when it was a malformed ticker).
bool normalize_coinbase_ticker(const std::string& message,
                               std::string& product, std::string& payload,
                               std::string& why);

std::string coinbase_subscribe_message(const std::vector<std::string>& products);

std::shared_ptr<source> make_coinbase_ticker(std::shared_ptr<httpc::client> http,
                                             coinbase_options opts);

} // namespace flux::connectors
