#include "domains/http_message.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <boost/beast/http/status.hpp>
#include <zlib.h>

namespace flux::httpc {

namespace http = boost::beast::http;

const std::string& response::header(const std::string& lower_name) const {
  static const std::string empty;
  auto i = headers.find(lower_name);
  return i == headers.end() ? empty : i->second;
}

std::string describe_failure(const response& r) {
  if (!r.ok)
    return r.error;
  std::string out = "HTTP " + std::to_string(r.status);
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  if (!reason.empty())
    out += " " + std::string{reason};
  if (!r.body.empty()) {
    std::string snippet;
    for (char c : r.body.substr(0, 160))
      snippet += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    out += ": " + snippet;
    if (r.body.size() > 160)
      out += "…";
  }
  return out;
}

int64_t parse_retry_after(const std::string& value, int64_t now) {
  std::string v = value;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
    v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
    v.erase(v.begin());
  if (v.empty())
    return -1;
  if (std::all_of(v.begin(), v.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 9)
      return -1;
    return std::stoll(v) * 1000;
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  if (!strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
    return -1;
  auto at = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::max<int64_t>(0, at - now);
}

bool parse_url(const std::string& url, url_parts& out, std::string& why) {
  auto sep = url.find("://");
  if (sep == std::string::npos) {
    why = "invalid URL '" + url + "' (no scheme)";
    return false;
  }
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string default_port;
  if (out.scheme == "http" || out.scheme == "ws")
    default_port = "80";
  else if (out.scheme == "https" || out.scheme == "wss")
    default_port = "443";
  else {
    why = "unsupported URL scheme '" + out.scheme + "'";
    return false;
  }
  auto rest = url.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (auto hash = out.target.find('#'); hash != std::string::npos)
    out.target.resize(hash);
  if (out.target.empty() || out.target[0] == '?')
    out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos) {
    why = "URLs with credentials are not supported";
    return false;
  }
  if (!authority.empty() && authority[0] == '[') { // [::1]:8080
    auto close = authority.find(']');
    if (close == std::string::npos) {
      why = "invalid URL host in '" + url + "'";
      return false;
    }
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    out.port = after.size() > 1 && after[0] == ':' ? after.substr(1)
                                                   : default_port;
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? default_port
                                          : authority.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()
      || !std::all_of(out.port.begin(), out.port.end(),
                      [](char c) { return c >= '0' && c <= '9'; })) {
    why = "invalid URL host or port in '" + url + "'";
    return false;
  }
  return true;
}

std::string url_encode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool gunzip(const std::string& in, size_t limit, std::string& out,
            std::string& why) {
  z_stream zs{};
  // 15 + 32: detect a gzip or zlib header automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    why = "cannot initialize zlib";
    return false;
  }
  out.clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      why = rc == Z_BUF_ERROR ? "truncated gzip body"
                              : std::string{"invalid gzip body: "}
                                  + (zs.msg ? zs.msg : "inflate failed");
      return false;
    }
    out.append(chunk, sizeof(chunk) - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      why = "response body over " + std::to_string(limit)
            + " bytes (decompressed)";
      return false;
    }
  }
  inflateEnd(&zs);
  return true;
}

} // namespace flux::httpc
