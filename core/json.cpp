#include "core/json.hpp"

#include <cmath>

namespace flux::json {

void writer::value(double v) {
  // JSON has no NaN or infinity; emitting them would break every client.
  if (std::isfinite(v))
    w_.Double(v);
  else
    w_.Null();
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
