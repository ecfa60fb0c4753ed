// NewsData.io: answers, merging by link, and hostile answers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connector_test_support.hpp"
#include "domains/news_feeds.hpp"
#include "domains/newsdata.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;
using namespace std::string_literals;

TEST_CASE("NewsData.io answers and merging by link") {
  std::vector<news_item> items;
  std::string why;
  REQUIRE(parse_newsdata(R"({"status":"success","totalResults":2,"results":[
    {"article_id":"1","title":"T1","link":"https://n.test/1/","source_name":"N",
     "pubDate":"2026-01-01 00:00:00","pubDateTZ":"UTC"},
    {"article_id":"2","title":"T2","link":"","pubDate":"2026-01-01 00:00:00"}]})",
                         items, why));
  REQUIRE(items.size() == 1);
  CHECK(items[0].published_at == 1767225600000);
  CHECK(items[0].source == "N");
  CHECK_FALSE(parse_newsdata(
    R"({"status":"error","results":{"message":"API key invalid","code":"Unauthorized"}})",
    items, why));
  CHECK(why == "API key invalid");
  news_item dup;
  dup.title = "T1 again";
  dup.url = "http://N.TEST/1#comments";
  dup.published_at = 1;
  news_item newer;
  newer.title = "Newest";
  newer.url = "https://n.test/2";
  newer.published_at = 1767225600001;
  items.push_back(dup);
  items.push_back(newer);
  auto merged = merge_news(items, 10);
  REQUIRE(merged.size() == 2);
  CHECK(merged[0].title == "Newest");
  CHECK(merged[1].title == "T1");
  CHECK(merged[0].id.rfind("n-", 0) == 0);
  CHECK(merge_news(items, 1).size() == 1);
  auto d = parse(news_payload(merged));
  CHECK(d["items"].Size() == 2);
  CHECK(std::string{d["items"][0]["url"].GetString()} == "https://n.test/2");
  CHECK(newsdata_url("https://newsdata.io/", "k&y", "en")
        == "https://newsdata.io/api/1/latest?apikey=k%26y&language=en");
}

TEST_CASE("NewsData: hostile answers are refused with a reason") {
  std::vector<news_item> items;
  std::string why;
  CHECK_FALSE(parse_newsdata(R"({"status":"success","results":)" + deep + "}",
                             items, why));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK_FALSE(parse_newsdata("{\"status\":\"success\",\"results\":[]}\0x"s,
                             items, why));
  CHECK(has(why, "a NUL byte"));
  CHECK_FALSE(parse_newsdata(R"({"status":"success","results":{}})", items, why));
  CHECK(why == "no 'results' list");
  CHECK_FALSE(parse_newsdata(R"("success")", items, why));
  CHECK(why == "answer is not a JSON object");
  // The upstream's error message becomes the source's status: never empty
  // (found by fuzz.newsdata), never longer than 200 bytes.
  CHECK_FALSE(parse_newsdata(R"({"":"er","results":{"message":""}})", items, why));
  CHECK(why == "status ''");
  CHECK_FALSE(parse_newsdata(R"({"status":"error","results":{"message":")"
                               + std::string(300, 'x') + "\"}}", items, why));
  CHECK(why == std::string(200, 'x'));
  CHECK(items.empty());
}
