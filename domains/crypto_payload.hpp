#pragma once

#include <cstdint>
#include <string>

#include "core/json.hpp"

// The crypto payloads of docs/events.md, as the live connectors (CoinGecko,
// Coinbase) and the simulated market both publish them.
namespace flux::connectors {

// The change from `then` to `now` in percent, to two decimals; 0 when
// `then` is not positive (no reference price).
double change_pct(double now, double then);

// One coin of a crypto.movers list.
struct coin_row {
  std::string id, symbol, name;
  double price = 0;
  double change_1h_pct = 0;
  double change_24h_pct = 0;
  double market_cap = 0;
  double volume_24h = 0;
};

// Writes the row as one JSON object: changes to two decimals, market cap
// and volume to whole units.
void write_coin_row(json::writer& w, const coin_row& c);

// One crypto.ticker update.
struct ticker_row {
  std::string product; // "BTC-USD"
  double price = 0;
  double open_24h = 0;
  double high_24h = 0;
  double low_24h = 0;
  double volume_24h = 0; // in the quote currency
  int64_t time = 0;      // ms since the epoch
};

// The update's payload: volume to whole units, and change_24h_pct from the
// price and open_24h.
std::string ticker_payload(const ticker_row& t);

} // namespace flux::connectors
