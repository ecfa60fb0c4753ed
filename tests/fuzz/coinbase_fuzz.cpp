// domains/coinbase_ticker.hpp normalize_coinbase_ticker: one message of the
// Coinbase WebSocket feed. Invariants: a ticker gives a product and a JSON
// payload; anything else gives neither (and `why` only for a bad ticker).
#include <cstdint>

#include "domains/coinbase_ticker.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string message{reinterpret_cast<const char*>(data), size};
  std::string product, payload, why;
  if (flux::connectors::normalize_coinbase_ticker(message, product, payload,
                                                  why)) {
    FUZZ_CHECK(!product.empty());
    FUZZ_CHECK(flux::fuzz::is_frame_json(payload));
  }
  return 0;
}
