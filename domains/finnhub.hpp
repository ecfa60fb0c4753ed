#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"

// Stock movers from Finnhub's quote endpoint (key from FINNHUB_API_KEY, sent
// as the X-Finnhub-Token header):
//   GET {base}/api/v1/quote?symbol=AAPL
//   -> {"c":261.74,"d":2.29,"dp":0.88,"h":263.31,"l":260.68,"o":261.07,
//       "pc":259.45,"t":1582641000}
// One call per symbol, paced to the plan's limit (free tier: 60 calls a
// minute) by a token bucket shared by all calls: each fetch refreshes as
// many symbols as the budget allows (round-robin) and publishes the
// stocks.movers snapshot of docs/events.md from the latest quote of every
// symbol. A 429 blocks the bucket for Retry-After and fails the fetch with
// it, so the poller waits as well.
namespace flux::connectors {

struct quote {
  std::string symbol;
  double price = 0, change = 0, change_pct = 0, open = 0, high = 0, low = 0,
         prev_close = 0;
  int64_t time_ms = 0;
};

// Parses one quote answer; false with `why` (e.g. "unknown symbol").
bool parse_finnhub_quote(const std::string& symbol, const std::string& body,
                         quote& out, std::string& why);

// The stocks.movers payload: five gainers and five losers by change_pct.
std::string stock_movers_payload(std::vector<quote> quotes);

struct finnhub_options {
  std::string base_url = "https://finnhub.io";
  std::string api_key;
  std::vector<std::string> symbols;
  double calls_per_min = 60;
  double burst = 5; // calls at once at most
};

std::shared_ptr<source> make_finnhub(std::shared_ptr<httpc::client> http,
                                     finnhub_options opts);

} // namespace flux::connectors
