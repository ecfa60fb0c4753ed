// core/json.hpp json::parse: the one entry point of untrusted JSON.
// Invariants: no NUL byte is ever accepted; what is accepted nests no deeper
// than the limit and serializes to text that parses again to the same text.
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
  FUZZ_CHECK(flux::json::to_string(again) == once);
  return 0;
}
