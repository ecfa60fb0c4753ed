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

// Builds the document like RapidJSON's own handler, in the same single pass
// refusing what RapidJSON accepts but Flux must not pass on: nesting over
// the limit, a lone surrogate escape (decoded to bytes that are not UTF-8)
// and a number too large for a double (no JSON writer can write infinity
// back). Numbers arrive as text and are read with std::from_chars (exact,
// locale-free): RapidJSON 1.1.0's default reading can be an ulp off (a
// value parsed and written again at every hop drifts), and its
// full-precision one reads 0E-85 as 5.8e-11.
class checked_builder {
public:
  checked_builder(rapidjson::Document& doc, int depth_limit)
    : doc_{doc}, depth_limit_{depth_limit} {}

  // Why the parse stopped early; empty when nothing did or on a syntax error.
  const std::string& problem() const { return problem_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return text_ok(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return text_ok(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() { return deeper() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth_; return doc_.EndObject(n); }
  bool StartArray() { return deeper() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { --depth_; return doc_.EndArray(n); }
  // `s` is a number as the JSON grammar has it (the reader checked).
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    bool integral = std::none_of(s, end, [](char c) {
      return c == '.' || c == 'e' || c == 'E';
    });
    if (integral && *s == '-') {
      int64_t i = 0;
      if (std::from_chars(s, end, i).ec == std::errc{})
        return doc_.Int64(i);
    } else if (integral) {
      uint64_t u = 0;
      if (std::from_chars(s, end, u).ec == std::errc{})
        return doc_.Uint64(u);
    }
    double d = 0;
    if (std::from_chars(s, end, d).ec != std::errc{})
      // Out of range: strtod tells underflow (0) from overflow. Flux never
      // sets a locale, so it reads "C".
      d = std::strtod(std::string{s, n}.c_str(), nullptr);
    if (!std::isfinite(d))
      return fail("a number too large for a double");
    return doc_.Double(d);
  }

private:
  bool fail(std::string problem) {
    problem_ = std::move(problem);
    return false;
  }
  bool deeper() {
    if (++depth_ <= depth_limit_)
      return true;
    return fail("nested deeper than " + std::to_string(depth_limit_)
                + " levels");
  }
  bool text_ok(const char* s, rapidjson::SizeType n) {
    return !has_lone_surrogate(s, n)
           || fail("a lone UTF-16 surrogate escape (\\uD800-\\uDFFF)");
  }

  rapidjson::Document& doc_;
  int depth_limit_;
  int depth_ = 0;
  std::string problem_;
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
  constexpr unsigned flags = rapidjson::kParseIterativeFlag
                             | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::ParseResult result;
  std::string problem;
  auto generate = [&](rapidjson::Document& d) {
    rapidjson::MemoryStream stream{text.data(), text.size()};
    checked_builder builder{d, depth_limit};
    rapidjson::Reader reader;
    result = reader.Parse<flags>(stream, builder);
    problem = builder.problem();
    return !result.IsError();
  };
  doc.Populate(generate);
  if (result.IsError()) {
    why = problem.empty()
            ? "invalid JSON at offset " + std::to_string(result.Offset())
                + ": " + rapidjson::GetParseError_En(result.Code())
            : "invalid JSON: " + problem;
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
