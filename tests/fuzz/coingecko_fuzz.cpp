// domains/coingecko.hpp normalize_coingecko: one /coins/markets answer.
#include <cstdint>

#include "connector_check.hpp"
#include "domains/coingecko.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body{reinterpret_cast<const char*>(data), size};
  flux::fuzz::check_fetch(
    flux::connectors::normalize_coingecko("coingecko.markets", body));
  return 0;
}
