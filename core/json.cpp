#include "core/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace flux::json {

void writer::value(double v) {
  // JSON has no NaN or infinity; emitting them would break every client.
  if (std::isfinite(v))
    w_.Double(v);
  else
    w_.Null();
}

namespace {

// The deepest nesting of arrays and objects in `text`, counting only
// brackets outside strings; stops counting once past `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit)
        return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// True when a string decoded from a lone \uDC00-\uDFFF escape: RapidJSON
// turns it into the bytes ED B0-BF xx, which are not UTF-8. Raw input bytes
// are validated by the parser, so only an escape can produce them.
bool has_lone_surrogate(const char* s, size_t n) {
  for (size_t i = 0; i + 1 < n; ++i)
    if (static_cast<unsigned char>(s[i]) == 0xED
        && static_cast<unsigned char>(s[i + 1]) >= 0xA0)
      return true;
  return false;
}

// What RapidJSON parses but Flux must not pass on: a lone surrogate escape
// (decoded to bytes that are not UTF-8) and a number too large for a double
// (2e308 parses to infinity, which no JSON writer can write back). nullptr
// when there is none. Recursion is bounded: the document is no deeper than
// the depth limit.
const char* value_problem(const rapidjson::Value& v) {
  if (v.IsString())
    return has_lone_surrogate(v.GetString(), v.GetStringLength())
             ? "a lone UTF-16 surrogate escape (\\uD800-\\uDFFF)"
             : nullptr;
  if (v.IsDouble())
    return std::isfinite(v.GetDouble()) ? nullptr
                                        : "a number too large for a double";
  if (v.IsArray()) {
    for (auto& item : v.GetArray())
      if (auto problem = value_problem(item))
        return problem;
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (auto problem = value_problem(m.name))
        return problem;
      if (auto problem = value_problem(m.value))
        return problem;
    }
  }
  return nullptr;
}

// Builds the document like RapidJSON's own handler, but reads each number
// from its text with std::from_chars (exact, locale-free).
class exact_numbers {
public:
  explicit exact_numbers(rapidjson::Document& doc) : doc_{doc} {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.String(s, n, copy);
  }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }
  // `s` is a number as the JSON grammar has it (the reader checked).
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; })
        == end) {
      if (*s == '-') {
        int64_t i = 0;
        if (std::from_chars(s, end, i).ec == std::errc{})
          return doc_.Int64(i);
      } else {
        uint64_t u = 0;
        if (std::from_chars(s, end, u).ec == std::errc{})
          return doc_.Uint64(u);
      }
    }
    double d = 0;
    if (std::from_chars(s, end, d).ec == std::errc{})
      return doc_.Double(d);
    // Out of range: strtod tells underflow (0) from overflow (infinity,
    // which parse() then refuses). Flux never sets a locale: "C".
    return doc_.Double(std::strtod(std::string{s, n}.c_str(), nullptr));
  }

private:
  rapidjson::Document& doc_;
};

} // namespace

bool parse(rapidjson::Document& doc, std::string_view text, std::string& why,
           int depth_limit) {
  doc.SetNull();
  // memchr must not see the null data() of an empty view.
  if (auto nul = text.empty() ? nullptr
                              : static_cast<const char*>(std::memchr(
                                  text.data(), '\0', text.size()))) {
    why = "invalid JSON: a NUL byte at offset "
          + std::to_string(nul - text.data());
    return false;
  }
  if (nesting_depth(text, depth_limit) > depth_limit) {
    why = "invalid JSON: nested deeper than " + std::to_string(depth_limit)
          + " levels";
    return false;
  }
  // Numbers come to exact_numbers as text: RapidJSON 1.1.0's default
  // parse can be an ulp off (a value parsed and written again at every hop
  // drifts) and its full-precision one reads 0E-85 as 5.8e-11.
  constexpr unsigned flags = rapidjson::kParseIterativeFlag
                             | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& d) {
    rapidjson::MemoryStream stream{text.data(), text.size()};
    exact_numbers handler{d};
    rapidjson::Reader reader;
    result = reader.Parse<flags>(stream, handler);
    return !result.IsError();
  };
  doc.Populate(generate);
  if (result.IsError()) {
    why = "invalid JSON at offset " + std::to_string(result.Offset()) + ": "
          + rapidjson::GetParseError_En(result.Code());
    doc.SetNull();
    return false;
  }
  if (auto problem = value_problem(doc)) {
    why = std::string{"invalid JSON: "} + problem;
    doc.SetNull();
    return false;
  }
  return true;
}

std::string to_string(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return std::string{buf.GetString(), buf.GetSize()};
}

bool get(const rapidjson::Value& obj, const char* name, std::string& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool get(const rapidjson::Value& obj, const char* name, int64_t& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64())
    return false;
  out = it->value.GetInt64();
  return true;
}

bool get(const rapidjson::Value& obj, const char* name, double& out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsNumber())
    return false;
  out = it->value.GetDouble();
  return true;
}

} // namespace flux::json
