#pragma once

#include <cstdint>
#include <memory>

#include "domains/source.hpp"

// The simulated crypto sources (simulated_sources.hpp): both share one
// simulated market so the movers and the ticker agree on prices.
namespace flux::sim {

class crypto_market;

// `seed` 0 picks a random seed.
std::shared_ptr<crypto_market> make_crypto_market(uint64_t seed);
std::shared_ptr<source> make_crypto_movers(std::shared_ptr<crypto_market> m);
std::shared_ptr<source> make_crypto_ticker(std::shared_ptr<crypto_market> m);

} // namespace flux::sim
