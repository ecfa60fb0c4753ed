#pragma once

#include <memory>
#include <string>

#include "domains/http_client.hpp"
#include "domains/source.hpp"

// Crypto market snapshot from CoinGecko (no key needed; a demo key from
// COINGECKO_API_KEY is sent as x-cg-demo-api-key when set):
//   GET {base}/api/v3/coins/markets?vs_currency=usd&order=market_cap_desc
//       &per_page=N&page=1&price_change_percentage=1h,24h
// normalized into the crypto.movers payload of docs/events.md: the top ten
// by market cap, and five gainers and losers by 1h and by 24h change.
namespace flux::connectors {

std::string coingecko_url(const std::string& base, size_t per_page);

fetch_result normalize_coingecko(const std::string& source,
                                 const std::string& body);

std::shared_ptr<source> make_coingecko(std::shared_ptr<httpc::client> http,
                                       std::string base_url, size_t per_page,
                                       std::string api_key);

} // namespace flux::connectors
