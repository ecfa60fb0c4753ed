#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domains/http_client.hpp"
#include "domains/source.hpp"

// Top headlines for news.top from any number of RSS 2.0 (also RSS 1.0/RDF)
// and Atom feeds, parsed with Expat, plus NewsData.io when a key is set
// (newsdata.hpp). Every feed is fetched on each poll; a feed that fails
// keeps contributing its last good items (and is logged), so the room only
// goes stale when every feed fails. Calls are paced per host (options). Items are deduplicated by link, newest
// first, ten at most (the news.top payload of docs/events.md).
namespace flux::connectors {

struct news_item {
  std::string id;    // "n-" + hash of the link
  std::string title;
  std::string source;
  std::string url;
  int64_t published_at = -1; // ms; -1: the feed gave no date
};

// Parses an RSS or Atom document. `fallback_source` names items when the
// feed has no title. False with `why` for invalid XML or another format.
bool parse_feed(const std::string& xml, const std::string& fallback_source,
                std::vector<news_item>& out, std::string& why);

// Removes markup from a title and collapses white space.
std::string clean_text(const std::string& text);

// Merges items: drops duplicates by link (ignoring a trailing '/' and the
// fragment, http/https), sorts newest first, keeps `limit`, fills ids.
std::vector<news_item> merge_news(std::vector<news_item> items, size_t limit);

std::string news_payload(const std::vector<news_item>& items);

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
