#include "domains/open_meteo.hpp"

#include <cstdlib>
#include <cstdio>

#include "core/json.hpp"
#include "domains/connector_util.hpp"
#include "domains/simulated_sources.hpp"
#include "domains/weather_payload.hpp"

namespace flux::connectors {

bool parse_city(const std::string& spec, city& out, std::string& why) {
  auto c1 = spec.find(':');
  if (c1 == std::string::npos) {
    for (auto& known : sim::default_cities())
      if (known.name == spec) {
        out = city{known.name, known.lat, known.lon};
        return true;
      }
    why = "city '" + spec + "' has no known coordinates: write it as "
          "\"Name:lat:lon\" (e.g. \"Paris:48.85:2.35\")";
    return false;
  }
  auto c2 = spec.find(':', c1 + 1);
  if (c2 == std::string::npos || c1 == 0) {
    why = "city '" + spec + "': expected \"Name:lat:lon\"";
    return false;
  }
  auto lat_s = spec.substr(c1 + 1, c2 - c1 - 1);
  auto lon_s = spec.substr(c2 + 1);
  char* e1 = nullptr;
  char* e2 = nullptr;
  double lat = std::strtod(lat_s.c_str(), &e1);
  double lon = std::strtod(lon_s.c_str(), &e2);
  if (lat_s.empty() || lon_s.empty() || *e1 || *e2 || lat < -90 || lat > 90
      || lon < -180 || lon > 180) {
    why = "city '" + spec + "': latitude must be -90..90 and longitude "
          "-180..180";
    return false;
  }
  out = city{spec.substr(0, c1), lat, lon};
  auto room = sim::weather_room(out.name);
  if (!valid_room_name(room)) {
    why = "city '" + out.name + "' does not make a valid room name (" + room
          + ")";
    return false;
  }
  return true;
}

std::string open_meteo_url(const std::string& base, const city& c) {
  char coords[96];
  std::snprintf(coords, sizeof(coords), "latitude=%.4f&longitude=%.4f", c.lat,
                c.lon);
  auto b = without_trailing_slashes(base);
  return b + "/v1/forecast?" + coords
         + "&current=temperature_2m,relative_humidity_2m,apparent_temperature,"
           "weather_code,wind_speed_10m,wind_direction_10m"
           "&wind_speed_unit=kmh&timeformat=unixtime";
}

fetch_result normalize_open_meteo(const std::string& source, const city& c,
                                  const std::string& body) {
  fetch_result r;
  rapidjson::Document doc;
  if (!parse_json("open-meteo", body, doc, r))
    return r;
  if (!doc.IsObject())
    return failure("open-meteo: answer is not a JSON object");
  bool is_error = false;
  if (doc.HasMember("error") && doc["error"].IsBool())
    is_error = doc["error"].GetBool();
  if (is_error) {
    std::string reason = "unknown";
    json::get(doc, "reason", reason);
    return failure("open-meteo: " + reason);
  }
  auto cur = doc.FindMember("current");
  if (cur == doc.MemberEnd() || !cur->value.IsObject())
    return failure("open-meteo: answer has no 'current' object");
  auto& v = cur->value;
  double temp, apparent, humidity, wind, wind_dir, code, time;
  if (!number(v, "temperature_2m", temp))
    return failure("open-meteo: missing current.temperature_2m");
  if (!number(v, "apparent_temperature", apparent))
    apparent = temp;
  if (!number(v, "relative_humidity_2m", humidity))
    return failure("open-meteo: missing current.relative_humidity_2m");
  if (!number(v, "wind_speed_10m", wind))
    return failure("open-meteo: missing current.wind_speed_10m");
  if (!number(v, "wind_direction_10m", wind_dir))
    wind_dir = 0;
  if (!number(v, "weather_code", code))
    return failure("open-meteo: missing current.weather_code");
  if (!(code >= 0 && code <= 99)) // WMO codes; also keeps the cast defined
    return failure("open-meteo: current.weather_code is not a WMO code");
  int64_t observed = 0;
  if (number(v, "time", time)) { // timeformat=unixtime
    if (!unix_seconds_to_ms(time, observed))
      return failure("open-meteo: current.time is not a time in seconds");
  } else {
    std::string iso;
    if (json::get(v, "time", iso))
      observed = parse_iso8601(iso);
    if (observed < 0)
      return failure("open-meteo: missing or invalid current.time");
  }
  // Open-Meteo's wind_speed_unit=kmh; guard against a server ignoring it.
  std::string wind_unit;
  auto units = doc.FindMember("current_units");
  if (units != doc.MemberEnd() && units->value.IsObject()
      && json::get(units->value, "wind_speed_10m", wind_unit)
      && wind_unit == "m/s")
    wind *= 3.6;
  r.ok = true;
  r.events.push_back(make_event(
    source, sim::weather_room(c.name), event_kind::snapshot, "",
    weather_payload(weather_reading{c.name, c.lat, c.lon, temp, apparent,
                                    humidity, wind, wind_dir,
                                    static_cast<int>(code), observed})));
  return r;
}

namespace {

class open_meteo : public source {
public:
  open_meteo(std::shared_ptr<httpc::client> http, std::string base, city c)
    : http_(std::move(http)),
      url_(open_meteo_url(base, c)),
      room_(sim::weather_room(c.name)),
      name_("open-meteo." + room_.substr(8)),
      city_(std::move(c)) {
  }

  std::string name() const override { return name_; }
  std::vector<std::string> rooms() const override { return {room_}; }

  void fetch(std::function<void(fetch_result)> done) override {
    httpc::request req;
    req.url = url_;
    req.headers.emplace_back("Accept", "application/json");
    http_->fetch(std::move(req), [name = name_, c = city_,
                                  done = std::move(done)](httpc::response res) {
      fetch_result r;
      if (!check_http("open-meteo", res, r))
        return done(std::move(r));
      done(normalize_open_meteo(name, c, res.body));
    });
  }

private:
  std::shared_ptr<httpc::client> http_;
  std::string url_;
  std::string room_;
  std::string name_;
  city city_;
};

} // namespace

std::shared_ptr<source> make_open_meteo(std::shared_ptr<httpc::client> http,
                                        std::string base_url, city c) {
  return std::make_shared<open_meteo>(std::move(http), std::move(base_url),
                                      std::move(c));
}

} // namespace flux::connectors
