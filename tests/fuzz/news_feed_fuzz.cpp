// domains/news_feeds.hpp parse_feed: one RSS 2.0 / RSS 1.0 / Atom document
// through Expat, then clean_text, merge_news and news_payload on its items,
// and the feed date parsers (connector_util) on the document's text.
// Invariants: a failure says why; the payload is JSON.
#include <cstdint>

#include "domains/connector_util.hpp"
#include "domains/news_feeds.hpp"
#include "fuzz_check.hpp"

namespace c = flux::connectors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string xml{reinterpret_cast<const char*>(data), size};
  if (size < 64) { // short inputs: the date parsers too
    c::parse_rfc822(xml);
    c::parse_iso8601(xml);
    c::clean_text(xml);
  }
  std::vector<c::news_item> items;
  std::string why;
  if (!c::parse_feed(xml, "feed.test", items, why)) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  auto merged = c::merge_news(std::move(items), 10);
  FUZZ_CHECK(merged.size() <= 10);
  FUZZ_CHECK(flux::fuzz::is_frame_json(c::news_payload(merged)));
  return 0;
}
