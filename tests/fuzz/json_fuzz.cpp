// core/json.hpp json::parse: the one entry point of untrusted JSON.
// Invariants: no NUL byte is ever accepted; what is accepted nests no deeper
// than the limit and serializes to text that parses again to the same value.
// (Doubles only to within a few ULPs: RapidJSON parses without
// kParseFullPrecisionFlag, so a long mantissa may come back 1 ULP off.)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"

namespace {

int depth_of(const rapidjson::Value& root) {
  int deepest = 0;
  std::vector<std::pair<const rapidjson::Value*, int>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->IsArray() && !v->IsObject())
      continue;
    deepest = std::max(deepest, d);
    if (v->IsArray())
      for (auto& e : v->GetArray())
        todo.push_back({&e, d + 1});
    else
      for (auto& m : v->GetObject())
        todo.push_back({&m.value, d + 1});
  }
  return deepest;
}

bool same(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsDouble() || b.IsDouble()) {
    if (!a.IsNumber() || !b.IsNumber())
      return false;
    double x = a.GetDouble(), y = b.GetDouble();
    return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.GetType() != b.GetType())
    return false;
  if (a.IsArray()) {
    if (a.Size() != b.Size())
      return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
      if (!same(a[i], b[i]))
        return false;
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount())
      return false;
    for (auto i = a.MemberBegin(), j = b.MemberBegin(); i != a.MemberEnd(); ++i, ++j)
      if (i->name != j->name || !same(i->value, j->value))
        return false;
    return true;
  }
  return a == b;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  rapidjson::Document doc;
  std::string why;
  bool ok = flux::json::parse(doc, text, why);
  if (!ok) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  FUZZ_CHECK(text.find('\0') == std::string_view::npos);
  FUZZ_CHECK(depth_of(doc) <= flux::json::max_depth);
  auto once = flux::json::to_string(doc);
  rapidjson::Document again;
  FUZZ_CHECK(flux::json::parse(again, once, why));
  FUZZ_CHECK(same(doc, again));
  return 0;
}
