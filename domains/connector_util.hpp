#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/event.hpp"
#include "core/json.hpp"
#include "domains/http_client.hpp"
#include "domains/resilience.hpp"
#include "domains/source.hpp"
#include "domains/source_event.hpp"

// What the real connectors share: number and time parsing in the shapes
// upstream APIs use, and turning an HTTP response into a fetch failure with
// a clear reason. (Events: source_event.hpp.)
namespace flux::connectors {

double round_to(double v, int digits);

// A JSON member as a number: a JSON number, or a string holding one (as
// Coinbase sends prices). False when absent, null or not numeric.
bool number(const rapidjson::Value& obj, const char* name, double& out);

// Seconds since the epoch as upstream APIs send them -> ms; false (and `ms`
// untouched) unless 0 <= seconds < year 3000, so a hostile number cannot
// overflow the conversion.
bool unix_seconds_to_ms(double seconds, int64_t& ms);

// Stable 16-hex-digit FNV-1a hash (event and item ids).
std::string fnv1a_hex(const std::string& text);

// RFC 3339 / ISO 8601 ("2024-05-13T10:22:01.123456Z", "…+02:00",
// "2024-05-13 10:22:01" taken as UTC) -> ms since the epoch; -1 if invalid.
int64_t parse_iso8601(const std::string& text);

// RFC 822 / 1123 dates as RSS uses them ("Tue, 10 Jun 2003 04:00:00 GMT",
// "+0200", "EST", seconds optional) -> ms since the epoch; -1 if invalid.
int64_t parse_rfc822(const std::string& text);

// Checks an HTTP answer: on a transport error or a non-2xx status fills `r`
// as a failure (with Retry-After for 429 and 503) and returns false.
bool check_http(const std::string& what, const httpc::response& res,
                fetch_result& r);

// Parses a JSON body; on failure fills `r` ("invalid JSON from …").
bool parse_json(const std::string& what, const std::string& body,
                rapidjson::Document& doc, fetch_result& r);

fetch_result failure(std::string why);

// An upstream's own error text as a source's status line: at most 200 bytes
// (cut on a UTF-8 boundary), and `fallback` when the text is empty.
std::string upstream_reason(const std::string& text, std::string fallback);

// One token bucket per upstream host, for calls-per-minute limits that are
// the host's, not one URL's (every Open-Meteo city, the RSS feeds of one
// site): out[i] is the bucket of urls[i], shared by every URL of its host,
// with a burst of that many calls so one round can call them all. Empty
// when per_minute <= 0 (no limit).
std::vector<std::shared_ptr<rate_limiter>>
buckets_per_host(const std::vector<std::string>& urls, double per_minute);

// "host:port" of a URL (the URL itself if it does not parse): what a
// per-host rate limit is keyed and named by.
std::string host_port_of(const std::string& url);

// A configured base URL without its trailing slashes, so that paths can be
// appended as "/api/...".
std::string without_trailing_slashes(std::string url);

// Milliseconds on the steady clock: the token buckets' time.
int64_t monotonic_ms();

// {"bucket":…,"per_min":…,"burst":…,"granted":…,"denied":…} for /stats.
void write_limit(json::writer& w, const std::string& bucket,
                 const rate_limiter& limit);

} // namespace flux::connectors
