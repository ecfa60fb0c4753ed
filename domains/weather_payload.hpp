#pragma once

#include <cstdint>
#include <string>

// The weather.<city> snapshot of docs/events.md, as Open-Meteo and the
// simulation both publish it.
namespace flux::connectors {

// The WMO weather code's description ("Overcast", "Light rain", …).
const char* wmo_condition(int code);

struct weather_reading {
  std::string city;
  double lat = 0;
  double lon = 0;
  double temperature_c = 0;
  double apparent_c = 0;
  double humidity_pct = 0;
  double wind_kph = 0;
  double wind_dir_deg = 0;
  int weather_code = 0; // WMO
  int64_t observed_at = 0; // ms since the epoch
};

// The payload: temperatures and wind speed to one decimal, humidity and
// wind direction to whole units, and the code's condition.
std::string weather_payload(const weather_reading& r);

} // namespace flux::connectors
