#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"
#include "domains/weather_payload.hpp"

// Weather from the Open-Meteo forecast API (no key): one source and one room
// (weather.<city>) per configured city, from the `current=` block:
//   GET {base}/v1/forecast?latitude=..&longitude=..&current=temperature_2m,
//       relative_humidity_2m,apparent_temperature,weather_code,
//       wind_speed_10m,wind_direction_10m&wind_speed_unit=kmh&timeformat=unixtime
// normalized into the weather payload (weather_payload.hpp).
namespace flux::connectors {

struct city {
  std::string name;
  double lat = 0;
  double lon = 0;
};

// "London" (a built-in city with known coordinates) or "Name:lat:lon".
bool parse_city(const std::string& spec, city& out, std::string& why);

std::string open_meteo_url(const std::string& base, const city& c);

// Normalizes one forecast answer; `source` names the events' source.
fetch_result normalize_open_meteo(const std::string& source, const city& c,
                                  const std::string& body);

std::shared_ptr<source> make_open_meteo(std::shared_ptr<httpc::client> http,
                                        std::string base_url, city c);

} // namespace flux::connectors
