#pragma once

#include <memory>

#include "domains/coinbase_feed.hpp"
#include "domains/coinbase_messages.hpp"
#include "domains/http_client.hpp"
#include "domains/source.hpp"

// Live crypto ticker from the Coinbase Exchange WebSocket feed (no key):
// connects to {url} (wss://ws-feed.exchange.coinbase.com), sends
//   {"type":"subscribe","product_ids":[…],"channels":["ticker","heartbeat"]}
// and keeps the latest `ticker` message per product (coinbase_feed.hpp).
// Each fetch (the poller's interval is the flush interval) hands over the
// latest tick of every product that ticked since the last flush, as
// crypto.ticker updates (docs/events.md): many ticks of one product in an
// interval are coalesced into one event. While the connection is down,
// fetches fail with the reason, so the poller marks crypto.ticker stale and
// clears it once ticks flow again.
namespace flux::connectors {

std::shared_ptr<source> make_coinbase_ticker(std::shared_ptr<httpc::client> http,
                                             coinbase_options opts);

} // namespace flux::connectors
