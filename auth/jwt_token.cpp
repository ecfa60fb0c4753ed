#include "auth/jwt_token.hpp"

#include <cmath>

#include "auth/room_patterns.hpp"
#include "core/json.hpp"

namespace flux::auth {

namespace {

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool parse_object(std::string_view part, rapidjson::Document& doc,
                  const char* what, std::string& why) {
  std::string text;
  if (!base64url_decode(part, text)) {
    why = std::string{"malformed token: the "} + what + " is not base64url";
    return false;
  }
  std::string json_why;
  // Claims are flat: a few levels cover any real token.
  if (!json::parse(doc, text, json_why, 8) || !doc.IsObject()) {
    why = std::string{"malformed token: the "} + what
          + " is not a JSON object";
    return false;
  }
  return true;
}

bool read_string(const rapidjson::Value& obj, const char* name,
                 size_t max_bytes, std::string& out, std::string& why) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return true;
  if (!it->value.IsString() || it->value.GetStringLength() > max_bytes) {
    why = std::string{"malformed token: '"} + name
          + "' must be a string of at most " + std::to_string(max_bytes)
          + " bytes";
    return false;
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

// NumericDate: seconds, possibly with a fraction (RFC 7519 §2).
bool read_date(const rapidjson::Value& obj, const char* name, int64_t& out,
               std::string& why) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return true;
  auto& v = it->value;
  double d = v.IsNumber() ? v.GetDouble() : -1;
  if (!v.IsNumber() || !std::isfinite(d) || d < 0 || d > 1e13) {
    why = std::string{"malformed token: '"} + name
          + "' must be a non-negative number of seconds";
    return false;
  }
  out = static_cast<int64_t>(d);
  return true;
}

bool read_patterns(const rapidjson::Value& obj, const char* name,
                   std::vector<std::string>& out, std::string& why) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return true;
  auto& v = it->value;
  if (!v.IsArray() || v.Size() > max_patterns) {
    why = std::string{"malformed token: '"} + name
          + "' must be an array of at most " + std::to_string(max_patterns)
          + " room patterns";
    return false;
  }
  for (auto& p : v.GetArray()) {
    if (!p.IsString()
        || !valid_pattern({p.GetString(), p.GetStringLength()})) {
      why = std::string{"malformed token: '"} + name
            + "' holds something that is not a room pattern";
      return false;
    }
    out.emplace_back(p.GetString(), p.GetStringLength());
  }
  return true;
}

bool read_audience(const rapidjson::Value& obj, std::vector<std::string>& out,
                   std::string& why) {
  auto it = obj.FindMember("aud");
  if (it == obj.MemberEnd())
    return true;
  auto& v = it->value;
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return true;
  }
  if (v.IsArray() && v.Size() <= max_audiences) {
    for (auto& a : v.GetArray()) {
      if (!a.IsString())
        break;
      out.emplace_back(a.GetString(), a.GetStringLength());
    }
    if (out.size() == v.Size())
      return true;
  }
  why = "malformed token: 'aud' must be a string or an array of at most "
        + std::to_string(max_audiences) + " strings";
  return false;
}

bool read_header(std::string_view part, jwt_header& out, std::string& why) {
  rapidjson::Document doc;
  if (!parse_object(part, doc, "header", why))
    return false;
  if (!json::get(doc, "alg", out.alg) || out.alg.empty()
      || out.alg.size() > 16) {
    why = "malformed token: the header has no 'alg'";
    return false;
  }
  if (!read_string(doc, "kid", 128, out.kid, why))
    return false;
  // RFC 7515 §4.1.11: extensions a verifier does not know must be refused.
  if (doc.HasMember("crit")) {
    why = "token header lists critical extensions ('crit') Flux does not "
          "support";
    return false;
  }
  return true;
}

} // namespace

bool base64url_decode(std::string_view in, std::string& out) {
  if (in.size() % 4 == 1)
    return false;
  out.clear();
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto v = b64_value(c);
    if (v < 0)
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero: one encoding per byte string.
  return (acc & ((1u << bits) - 1)) == 0;
}

bool parse_token(std::string_view token, size_t max_bytes, jwt_parts& out,
                 std::string& why) {
  if (token.empty()) {
    why = "no token";
    return false;
  }
  if (token.size() > max_bytes) {
    why = "token over " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  auto dot1 = token.find('.');
  auto dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
  if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos) {
    why = "malformed token: a JWT has three parts separated by '.'";
    return false;
  }
  if (!read_header(token.substr(0, dot1), out.header, why))
    return false;
  rapidjson::Document doc;
  if (!parse_object(token.substr(dot1 + 1, dot2 - dot1 - 1), doc, "payload",
                    why))
    return false;
  auto& c = out.claims;
  return read_string(doc, "sub", max_sub_bytes, c.sub, why)
         && read_string(doc, "iss", 256, c.iss, why)
         && read_audience(doc, c.aud, why) && read_date(doc, "exp", c.exp, why)
         && read_date(doc, "nbf", c.nbf, why)
         && read_date(doc, "iat", c.iat, why)
         && read_patterns(doc, "rooms", c.rooms, why)
         && read_patterns(doc, "ingest", c.ingest, why);
}

} // namespace flux::auth
