#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The stocks.movers snapshot of docs/events.md, as Finnhub and the
// simulation both publish it.
namespace flux::connectors {

struct quote {
  std::string symbol;
  double price = 0, change = 0, change_pct = 0, open = 0, high = 0, low = 0,
         prev_close = 0;
  int64_t time_ms = 0;
};

// The stocks.movers payload: five gainers and five losers by change_pct.
std::string stock_movers_payload(std::vector<quote> quotes);

// The same from quotes already ranked (best first), as of `as_of` (ms):
// the first five are the gainers, the last five (worst first) the losers.
// Prices and changes are written to two decimals.
std::string ranked_movers_payload(const std::vector<quote>& ranked,
                                  int64_t as_of);

} // namespace flux::connectors
