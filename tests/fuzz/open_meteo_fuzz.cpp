// domains/open_meteo.hpp normalize_open_meteo: one forecast answer.
#include <cstdint>

#include "connector_check.hpp"
#include "domains/open_meteo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const flux::connectors::city london{"London", 51.51, -0.13};
  std::string body{reinterpret_cast<const char*>(data), size};
  flux::fuzz::check_fetch(
    flux::connectors::normalize_open_meteo("open-meteo.london", london, body));
  return 0;
}
