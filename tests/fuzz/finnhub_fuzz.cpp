// domains/finnhub.hpp parse_finnhub_quote: one /quote answer, then the
// stocks.movers payload built from it (must be JSON).
#include <cstdint>

#include "domains/finnhub.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body{reinterpret_cast<const char*>(data), size};
  flux::connectors::quote q;
  std::string why;
  if (!flux::connectors::parse_finnhub_quote("AAPL", body, q, why)) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  FUZZ_CHECK(flux::fuzz::is_frame_json(flux::connectors::stock_movers_payload({q, q})));
  return 0;
}
