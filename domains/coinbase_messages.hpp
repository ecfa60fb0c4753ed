#pragma once

#include <string>
#include <vector>

// The messages of the Coinbase Exchange WebSocket feed (coinbase_ticker.hpp)
// that Flux sends and reads.
namespace flux::connectors {

// Normalizes one feed message. Returns true for a ticker message, setting
// the product and the crypto.ticker payload; false otherwise (with `why`
// set when it was a malformed ticker).
bool normalize_coinbase_ticker(const std::string& message,
                               std::string& product, std::string& payload,
                               std::string& why);

std::string coinbase_subscribe_message(const std::vector<std::string>& products);

} // namespace flux::connectors
