#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/feed_parser.hpp"
#include "domains/http_client.hpp"
#include "domains/news_payload.hpp"
#include "domains/source.hpp"

// Top headlines for news.top from any number of RSS 2.0 (also RSS 1.0/RDF)
// and Atom feeds (feed_parser.hpp), plus NewsData.io when a key is set
// (newsdata.hpp). Every feed is fetched on each poll; a feed that fails
// keeps contributing its last good items (and is logged), so the room only
// goes stale when every feed fails. Calls are paced per host (options).
// Items are deduplicated by link, newest first, ten at most (the news.top
// payload, news_payload.hpp).
namespace flux::connectors {

struct news_options {
  std::vector<std::string> feeds;   // RSS / Atom URLs
  std::string newsdata_url = "https://newsdata.io";
  std::string newsdata_key;         // empty: NewsData.io off
  std::string newsdata_language = "en";
  size_t max_items = 10;
  // Calls per minute (0: no limit): RSS/Atom per feed host (one bucket per
  // host), NewsData.io its own. A feed out of budget is not called this
  // poll and keeps contributing its last good items.
  double rss_calls_per_min = 0;
  double newsdata_calls_per_min = 0;
};

std::shared_ptr<source> make_news(std::shared_ptr<httpc::client> http,
                                  news_options opts);

} // namespace flux::connectors
