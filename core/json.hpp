#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

// Small helpers over RapidJSON: a writer that builds one compact JSON text,
// and accessors that read optional members without throwing.
namespace flux::json {

class writer {
public:
  writer() : w_(buf_) {}

  void start_object() { w_.StartObject(); }
  void end_object() { w_.EndObject(); }
  void start_array() { w_.StartArray(); }
  void end_array() { w_.EndArray(); }
  void key(std::string_view k) {
    w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  }
  void value(std::string_view v) {
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void value(const char* v) { value(std::string_view{v}); }
  void value(const std::string& v) { value(std::string_view{v}); }
  void value(bool v) { w_.Bool(v); }
  void value(int v) { w_.Int64(v); }
  void value(long v) { w_.Int64(v); }
  void value(long long v) { w_.Int64(v); }
  void value(unsigned v) { w_.Uint64(v); }
  void value(unsigned long v) { w_.Uint64(v); }
  void value(unsigned long long v) { w_.Uint64(v); }
  void value(double v);
  void null() { w_.Null(); }
  // Inserts already-serialized JSON verbatim (it must be valid JSON).
  void raw(std::string_view json) {
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  template <class T>
  void kv(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  void kv_raw(std::string_view k, std::string_view json) {
    key(k);
    raw(json);
  }

  std::string take() { return std::string{buf_.GetString(), buf_.GetSize()}; }

private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

// The nesting any JSON that enters Flux may have (client requests, Socket.IO
// payloads, ingest bodies, bus records, upstream answers): far beyond what
// any of them needs, far below what could exhaust a stack.
constexpr int max_depth = 64;

// Parses untrusted JSON iteratively, refusing nesting over `depth_limit`, a
// NUL byte (RapidJSON stops there), anything after the root, and text or
// escapes that are not UTF-8 (a lone surrogate). On failure `doc` holds no
// value and `why` ("invalid JSON...") says what is wrong and where.
bool parse(rapidjson::Document& doc, std::string_view text, std::string& why,
           int depth_limit = max_depth);
inline bool parse(rapidjson::Document& doc, std::string_view text) {
  std::string why;
  return parse(doc, text, why);
}

// Serializes any RapidJSON value back to compact text.
std::string to_string(const rapidjson::Value& v);

// Optional member accessors: return false when absent or of another type.
bool get(const rapidjson::Value& obj, const char* name, std::string& out);
bool get(const rapidjson::Value& obj, const char* name, int64_t& out);
bool get(const rapidjson::Value& obj, const char* name, double& out);

} // namespace flux::json
