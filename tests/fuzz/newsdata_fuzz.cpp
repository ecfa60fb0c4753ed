// domains/newsdata.hpp parse_newsdata: one NewsData.io answer, then the
// news.top payload merged from its items (must be JSON).
#include <cstdint>

#include "domains/newsdata.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body{reinterpret_cast<const char*>(data), size};
  std::vector<flux::connectors::news_item> items;
  std::string why;
  if (!flux::connectors::parse_newsdata(body, items, why)) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  auto merged = flux::connectors::merge_news(std::move(items), 10);
  FUZZ_CHECK(merged.size() <= 10);
  FUZZ_CHECK(flux::fuzz::is_frame_json(flux::connectors::news_payload(merged)));
  return 0;
}
