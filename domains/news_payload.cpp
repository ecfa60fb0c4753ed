#include "domains/news_payload.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/json.hpp"
#include "domains/connector_util.hpp"

namespace flux::connectors {

std::string link_key(std::string url) {
  if (auto hash = url.find('#'); hash != std::string::npos)
    url.resize(hash);
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  auto sep = url.find("://");
  if (sep != std::string::npos) { // scheme and host are case-insensitive
    auto host_end = url.find('/', sep + 3);
    std::transform(url.begin(),
                   host_end == std::string::npos ? url.end()
                                                 : url.begin() + host_end,
                   url.begin(), [](unsigned char c) { return std::tolower(c); });
    if (url.rfind("http://", 0) == 0)
      url = "https://" + url.substr(7);
  }
  return url;
}

std::vector<news_item> merge_news(std::vector<news_item> items, size_t limit) {
  std::stable_sort(items.begin(), items.end(), [](auto& a, auto& b) {
    return a.published_at > b.published_at;
  });
  std::vector<news_item> out;
  std::map<std::string, bool> seen;
  for (auto& item : items) {
    auto key = link_key(item.url);
    if (!seen.emplace(key, true).second)
      continue;
    item.id = "n-" + fnv1a_hex(key).substr(0, 12);
    out.push_back(std::move(item));
    if (out.size() >= limit)
      break;
  }
  return out;
}

std::string news_payload(const std::vector<news_item>& items) {
  json::writer w;
  w.start_object();
  w.key("items");
  w.start_array();
  for (auto& item : items) {
    w.start_object();
    w.kv("id", item.id);
    w.kv("title", item.title);
    w.kv("source", item.source);
    w.kv("url", item.url);
    w.kv("published_at", item.published_at);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace flux::connectors
