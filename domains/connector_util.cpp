#include "domains/connector_util.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include "core/utf8.hpp"

namespace flux::connectors {

double round_to(double v, int digits) {
  auto f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

bool number(const rapidjson::Value& obj, const char* name, double& out) {
  if (!obj.IsObject())
    return false;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return false;
  if (it->value.IsNumber()) {
    out = it->value.GetDouble();
    return std::isfinite(out);
  }
  if (it->value.IsString()) {
    const char* s = it->value.GetString();
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end != s && *end == '\0' && std::isfinite(out);
  }
  return false;
}

bool unix_seconds_to_ms(double seconds, int64_t& ms) {
  constexpr double year_3000 = 32503680000.0;
  if (!(seconds >= 0 && seconds < year_3000)) // also false for NaN
    return false;
  ms = static_cast<int64_t>(seconds) * 1000;
  return true;
}

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static const char* hex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4)
    out[i] = hex[h & 15];
  return out;
}

namespace {

bool digits(const char*& p, int n, int& out) {
  out = 0;
  for (int i = 0; i < n; ++i, ++p) {
    if (!std::isdigit(static_cast<unsigned char>(*p)))
      return false;
    out = out * 10 + (*p - '0');
  }
  return true;
}

int64_t to_ms(int y, int mo, int d, int h, int mi, int s, int64_t frac_ms,
              int64_t offset_min) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return -1;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  auto t = static_cast<int64_t>(timegm(&tm));
  return (t - offset_min * 60) * 1000 + frac_ms;
}

} // namespace

int64_t parse_iso8601(const std::string& text) {
  const char* p = text.c_str();
  while (*p == ' ')
    ++p;
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(p, 4, y) || *p++ != '-' || !digits(p, 2, mo) || *p++ != '-'
      || !digits(p, 2, d))
    return -1;
  int64_t frac = 0, offset = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    ++p;
    if (!digits(p, 2, h) || *p++ != ':' || !digits(p, 2, mi))
      return -1;
    if (*p == ':') {
      ++p;
      if (!digits(p, 2, s))
        return -1;
    }
    if (*p == '.' || *p == ',') {
      ++p;
      int scale = 100;
      while (std::isdigit(static_cast<unsigned char>(*p))) {
        frac += (*p - '0') * scale;
        scale /= 10;
        ++p;
      }
    }
    while (*p == ' ')
      ++p;
    if (*p == 'Z' || *p == 'z') {
      ++p;
    } else if (*p == '+' || *p == '-') {
      int sign = *p++ == '-' ? -1 : 1;
      int oh, om = 0;
      if (!digits(p, 2, oh))
        return -1;
      if (*p == ':')
        ++p;
      if (std::isdigit(static_cast<unsigned char>(*p)) && !digits(p, 2, om))
        return -1;
      offset = sign * (oh * 60 + om);
    } else if (std::strncmp(p, "UTC", 3) == 0 || std::strncmp(p, "GMT", 3) == 0) {
      p += 3;
    }
  }
  while (*p == ' ')
    ++p;
  if (*p != '\0')
    return -1;
  return to_ms(y, mo, d, h, mi, s, frac, offset);
}

int64_t parse_rfc822(const std::string& text) {
  static const char* months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  const char* p = text.c_str();
  auto skip_ws = [&] {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
      ++p;
  };
  skip_ws();
  // Optional day name.
  if (std::isalpha(static_cast<unsigned char>(*p))) {
    while (std::isalpha(static_cast<unsigned char>(*p)))
      ++p;
    if (*p == ',')
      ++p;
    skip_ws();
  }
  char* end = nullptr;
  long d = std::strtol(p, &end, 10);
  if (end == p || d < 1 || d > 31)
    return -1;
  p = end;
  skip_ws();
  int mo = -1;
  for (int i = 0; i < 12; ++i)
    if (strncasecmp(p, months[i], 3) == 0)
      mo = i + 1;
  if (mo < 0)
    return -1;
  while (std::isalpha(static_cast<unsigned char>(*p)))
    ++p;
  skip_ws();
  long y = std::strtol(p, &end, 10);
  if (end == p)
    return -1;
  if (y >= 0 && y < 100)
    y += y < 50 ? 2000 : 1900;
  if (y < 1 || y > 9999) // a hostile year would overflow the ms count
    return -1;
  p = end;
  skip_ws();
  int h = 0, mi = 0, s = 0;
  if (!digits(p, 2, h) || *p++ != ':' || !digits(p, 2, mi))
    return -1;
  if (*p == ':') {
    ++p;
    if (!digits(p, 2, s))
      return -1;
  }
  skip_ws();
  int64_t offset = 0;
  if (*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1;
    int oh, om;
    if (!digits(p, 2, oh))
      return -1;
    if (*p == ':')
      ++p;
    if (!digits(p, 2, om))
      return -1;
    offset = sign * (oh * 60 + om);
  } else if (*p) {
    struct zone {
      const char* name;
      int minutes;
    };
    static const zone zones[] = {{"GMT", 0},     {"UTC", 0},    {"UT", 0},
                                 {"Z", 0},       {"EST", -300}, {"EDT", -240},
                                 {"CST", -360},  {"CDT", -300}, {"MST", -420},
                                 {"MDT", -360},  {"PST", -480}, {"PDT", -420}};
    for (auto& z : zones)
      if (strncasecmp(p, z.name, std::strlen(z.name)) == 0) {
        offset = z.minutes;
        break;
      }
  }
  return to_ms(static_cast<int>(y), mo, static_cast<int>(d), h, mi, s, 0,
               offset);
}

fetch_result failure(std::string why) {
  fetch_result r;
  r.ok = false;
  r.error = std::move(why);
  return r;
}

std::string upstream_reason(const std::string& text, std::string fallback) {
  if (text.empty())
    return fallback;
  return std::string{utf8_prefix(text, 200)};
}

bool check_http(const std::string& what, const httpc::response& res,
                fetch_result& r) {
  if (!res.ok) {
    r = failure(what + ": " + res.error);
    return false;
  }
  if (res.status >= 200 && res.status < 300)
    return true;
  r = failure(what + ": " + httpc::describe_failure(res));
  if ((res.status == 429 || res.status == 503) && res.retry_after_ms > 0)
    r.retry_after_ms = res.retry_after_ms;
  else if (res.status == 429)
    r.retry_after_ms = 60000; // rate limited without a hint: wait a minute
  return false;
}

bool parse_json(const std::string& what, const std::string& body,
                rapidjson::Document& doc, fetch_result& r) {
  std::string why;
  if (!json::parse(doc, body, why)) {
    r = failure(what + ": " + why);
    return false;
  }
  return true;
}

std::vector<std::shared_ptr<rate_limiter>>
buckets_per_host(const std::vector<std::string>& urls, double per_minute) {
  std::vector<std::shared_ptr<rate_limiter>> out;
  if (per_minute <= 0)
    return out;
  std::vector<std::string> hosts;
  std::map<std::string, size_t> users;
  for (auto& u : urls)
    ++users[hosts.emplace_back(host_port_of(u))];
  std::map<std::string, std::shared_ptr<rate_limiter>> made;
  for (auto& h : hosts) {
    auto& b = made[h];
    if (!b)
      b = std::make_shared<rate_limiter>(per_minute,
                                         static_cast<double>(users[h]));
    out.push_back(b);
  }
  return out;
}

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

std::string host_port_of(const std::string& url) {
  httpc::url_parts parts;
  std::string why;
  return httpc::parse_url(url, parts, why) ? parts.host + ":" + parts.port
                                           : url;
}

void write_limit(json::writer& w, const std::string& bucket,
                 const rate_limiter& limit) {
  w.start_object();
  w.kv("bucket", bucket);
  w.kv("per_min", limit.per_minute());
  w.kv("burst", limit.burst());
  w.kv("granted", limit.granted());
  w.kv("denied", limit.denied());
  w.end_object();
}

} // namespace flux::connectors
