#include "domains/weather_payload.hpp"

#include "core/json.hpp"
#include "domains/connector_util.hpp"

namespace flux::connectors {

const char* wmo_condition(int code) {
  switch (code) {
    case 0: return "Clear sky";
    case 1: return "Mainly clear";
    case 2: return "Partly cloudy";
    case 3: return "Overcast";
    case 45: return "Fog";
    case 48: return "Depositing rime fog";
    case 51: return "Light drizzle";
    case 53: return "Drizzle";
    case 55: return "Dense drizzle";
    case 56: return "Light freezing drizzle";
    case 57: return "Freezing drizzle";
    case 61: return "Light rain";
    case 63: return "Rain";
    case 65: return "Heavy rain";
    case 66: return "Light freezing rain";
    case 67: return "Freezing rain";
    case 71: return "Light snow";
    case 73: return "Snow";
    case 75: return "Heavy snow";
    case 77: return "Snow grains";
    case 80: return "Light showers";
    case 81: return "Showers";
    case 82: return "Violent showers";
    case 85: return "Light snow showers";
    case 86: return "Snow showers";
    case 95: return "Thunderstorm";
    case 96: return "Thunderstorm with hail";
    case 99: return "Thunderstorm with heavy hail";
  }
  return "Unknown";
}

std::string weather_payload(const weather_reading& r) {
  json::writer w;
  w.start_object();
  w.kv("city", r.city);
  w.kv("lat", r.lat);
  w.kv("lon", r.lon);
  w.kv("temperature_c", round_to(r.temperature_c, 1));
  w.kv("apparent_c", round_to(r.apparent_c, 1));
  w.kv("humidity_pct", round_to(r.humidity_pct, 0));
  w.kv("wind_kph", round_to(r.wind_kph, 1));
  w.kv("wind_dir_deg", round_to(r.wind_dir_deg, 0));
  w.kv("weather_code", r.weather_code);
  w.kv("condition", wmo_condition(r.weather_code));
  w.kv("observed_at", r.observed_at);
  w.end_object();
  return w.take();
}

} // namespace flux::connectors
