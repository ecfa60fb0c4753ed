#pragma once

#include <string>
#include <vector>

#include "domains/news_payload.hpp"

// NewsData.io "latest" endpoint (key from NEWSDATA_API_KEY):
//   GET {base}/api/1/latest?apikey=KEY&language=en
//   -> {"status":"success","totalResults":N,"results":[{"article_id":…,
//       "title":…,"link":…,"source_id":…,"source_name":…,
//       "pubDate":"2024-05-13 10:22:01","pubDateTZ":"UTC",…}],"nextPage":…}
// Errors come as {"status":"error","results":{"message":…,"code":…}}.
// Its items join the RSS/Atom items of the news source (news_feeds.hpp).
namespace flux::connectors {

std::string newsdata_url(const std::string& base, const std::string& key,
                         const std::string& language);

// Parses one answer into items; false with `why`.
bool parse_newsdata(const std::string& body, std::vector<news_item>& out,
                    std::string& why);

} // namespace flux::connectors
