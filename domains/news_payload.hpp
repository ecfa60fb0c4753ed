#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The news.top snapshot of docs/events.md, as the feeds (RSS, Atom,
// NewsData.io) and the simulation both publish it.
namespace flux::connectors {

struct news_item {
  std::string id;    // "n-" + hash of the link
  std::string title;
  std::string source;
  std::string url;
  int64_t published_at = -1; // ms; -1: the feed gave no date
};

// What items are deduplicated by: the link without its fragment and
// trailing '/', scheme and host in lower case, http as https.
std::string link_key(std::string url);

// Merges items: drops duplicates by link_key, sorts newest first, keeps
// `limit`, fills ids.
std::vector<news_item> merge_news(std::vector<news_item> items, size_t limit);

std::string news_payload(const std::vector<news_item>& items);

} // namespace flux::connectors
