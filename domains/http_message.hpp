#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

// The requests and responses of the connectors' HTTP client
// (http_client.hpp), and the parsing around them: URLs, Retry-After,
// gzip bodies.
namespace flux::httpc {

struct request {
  std::string method = "GET";
  std::string url; // http://host[:port]/path?query or https://…
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // 0: the client's defaults.
  std::chrono::milliseconds timeout{0};
  size_t max_body_bytes = 0;
};

struct response {
  bool ok = false;     // a complete HTTP response arrived (any status)
  std::string error;   // when !ok: why
  int status = 0;
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;    // decompressed
  std::string url;     // the final URL, after redirects
  // From Retry-After (seconds or an HTTP date); -1 when absent.
  int64_t retry_after_ms = -1;

  const std::string& header(const std::string& lower_name) const;
};

// Describes a failed or non-2xx response in one line, e.g.
// "HTTP 503 Service Unavailable: {\"error\":…}" (body cut short).
std::string describe_failure(const response& r);

// Parses Retry-After: delta-seconds or an HTTP date. Returns -1 if invalid.
int64_t parse_retry_after(const std::string& value, int64_t now_ms);

struct url_parts {
  std::string scheme; // http, https, ws, wss
  std::string host;
  std::string port;
  std::string target; // path + query, at least "/"
};

bool parse_url(const std::string& url, url_parts& out, std::string& why);

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& value);

// Inflates a gzip (or zlib) body; false with `why` on error or when the
// result would exceed `limit` bytes.
bool gunzip(const std::string& in, size_t limit, std::string& out,
            std::string& why);

} // namespace flux::httpc
