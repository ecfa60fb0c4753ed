#include "domains/newsdata.hpp"

#include <rapidjson/document.h>

#include "core/json.hpp"
#include "domains/connector_util.hpp"
#include "domains/http_client.hpp"

namespace flux::connectors {

std::string newsdata_url(const std::string& base, const std::string& key,
                         const std::string& language) {
  auto b = without_trailing_slashes(base);
  auto url = b + "/api/1/latest?apikey=" + httpc::url_encode(key);
  if (!language.empty())
    url += "&language=" + httpc::url_encode(language);
  return url;
}

bool parse_newsdata(const std::string& body, std::vector<news_item>& out,
                    std::string& why) {
  rapidjson::Document doc;
  if (!json::parse(doc, body, why))
    return false;
  if (!doc.IsObject()) {
    why = "answer is not a JSON object";
    return false;
  }
  std::string status;
  json::get(doc, "status", status);
  auto results = doc.FindMember("results");
  if (status != "success") {
    why = "status '" + status + "'";
    if (results != doc.MemberEnd() && results->value.IsObject()) {
      std::string msg;
      if (json::get(results->value, "message", msg))
        why = upstream_reason(msg, std::move(why));
    }
    return false;
  }
  if (results == doc.MemberEnd() || !results->value.IsArray()) {
    why = "no 'results' list";
    return false;
  }
  for (auto& v : results->value.GetArray()) {
    if (!v.IsObject())
      continue;
    news_item item;
    if (!json::get(v, "title", item.title) || !json::get(v, "link", item.url)
        || item.url.empty())
      continue;
    if (!json::get(v, "source_name", item.source))
      json::get(v, "source_id", item.source);
    std::string date, tz;
    json::get(v, "pubDate", date);
    json::get(v, "pubDateTZ", tz);
    item.published_at = date.empty() ? -1 : parse_iso8601(date);
    out.push_back(std::move(item));
  }
  return true;
}

} // namespace flux::connectors
