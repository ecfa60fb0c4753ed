#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"
#include "domains/stock_payload.hpp"

// Stock movers from Finnhub's quote endpoint (key from FINNHUB_API_KEY, sent
// as the X-Finnhub-Token header):
//   GET {base}/api/v1/quote?symbol=AAPL
//   -> {"c":261.74,"d":2.29,"dp":0.88,"h":263.31,"l":260.68,"o":261.07,
//       "pc":259.45,"t":1582641000}
// One call per symbol, paced to the plan's limit (free tier: 60 calls a
// minute) by a token bucket shared by all calls: each fetch refreshes as
// many symbols as the budget allows (round-robin) and publishes the
// stocks.movers snapshot (stock_payload.hpp) from the latest quote of every
// symbol. A 429 blocks the bucket for Retry-After and fails the fetch with
// it, so the poller waits as well.
namespace flux::connectors {

// Parses one quote answer; false with `why` (e.g. "unknown symbol").
bool parse_finnhub_quote(const std::string& symbol, const std::string& body,
                         quote& out, std::string& why);

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
