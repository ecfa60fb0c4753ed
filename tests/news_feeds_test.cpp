// News feeds: RSS and Atom parsing (no XML entities), per-host pacing.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "connector_test_support.hpp"
#include "core/json.hpp"
#include "domains/http_client.hpp"
#include "domains/news_feeds.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace flux::tests;

TEST_CASE("RSS 2.0, RSS 1.0 and Atom feeds") {
  std::vector<news_item> items;
  std::string why;
  REQUIRE(parse_feed(R"(<?xml version="1.0"?>
<rss version="2.0"><channel><title>Daily &amp; Co</title>
<item><title><![CDATA[A <i>big</i> story]]></title><link> https://x.test/a </link>
<pubDate>Thu, 01 Jan 2026 00:00:00 GMT</pubDate></item>
<item><title>No link</title></item>
<item><title>Guid</title><guid isPermaLink="false">https://x.test/not-a-link</guid></item>
</channel></rss>)", "x.test", items, why));
  REQUIRE(items.size() == 1);
  CHECK(items[0].title == "A big story");
  CHECK(items[0].url == "https://x.test/a");
  CHECK(items[0].source == "Daily & Co");
  CHECK(items[0].published_at == 1767225600000);
  items.clear();
  REQUIRE(parse_feed(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>RDF feed</title></channel>
<item><title>R1</title><link>https://r.test/1</link><dc:date>2026-01-01T00:00:00Z</dc:date></item>
</rdf:RDF>)", "r.test", items, why));
  REQUIRE(items.size() == 1);
  CHECK(items[0].published_at == 1767225600000);
  CHECK(items[0].source == "RDF feed");
  items.clear();
  REQUIRE(parse_feed(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
<entry><title>E1</title><link rel="self" href="https://a.test/self"/>
<link href="https://a.test/1"/><updated>2026-01-01T00:00:00Z</updated></entry></feed>)",
                     "a.test", items, why));
  REQUIRE(items.size() == 1);
  CHECK(items[0].url == "https://a.test/1");
  CHECK_FALSE(parse_feed("<rss><channel><item>", "x", items, why));
  CHECK(why.find("invalid XML") != std::string::npos);
  CHECK_FALSE(parse_feed("<html><body/></html>", "x", items, why));
  CHECK(why.find("not an RSS or Atom feed") != std::string::npos);
  // Entity expansion attacks are refused by Expat.
  CHECK_FALSE(parse_feed(R"(<?xml version="1.0"?><!DOCTYPE lolz [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]><rss><channel><item><title>&f;</title><link>https://x/</link></item></channel></rss>)",
                         "x", items, why));
}

TEST_CASE("news: feeds are paced per host, and a feed out of budget keeps its last items") {
  tiny_server srv{"<rss version=\"2.0\"><channel><title>T</title><item>"
                  "<title>One</title><link>https://n.example/1</link>"
                  "<pubDate>Thu, 01 Jan 2026 10:00:00 GMT</pubDate></item>"
                  "</channel></rss>"};
  auto http = std::make_shared<httpc::client>(httpc::client_options{});
  news_options o;
  o.feeds = {srv.url("/a.xml"), srv.url("/b.xml")}; // one host
  o.rss_calls_per_min = 1; // a burst of two (two feeds), then one a minute
  auto src = make_news(http, o);
  auto r1 = fetch_now(*src);
  REQUIRE(r1.ok);
  CHECK(srv.requests() == 2);
  REQUIRE(r1.events.size() == 1);
  auto r2 = fetch_now(*src); // no budget: nobody is called
  CHECK(srv.requests() == 2);
  REQUIRE(r2.ok); // from the feeds' last good items
  REQUIRE(r2.events.size() == 1);
  CHECK(r2.events[0].data == r1.events[0].data);
  json::writer w;
  w.start_object();
  src->write_status(w);
  w.end_object();
  auto d = parse(w.take());
  auto& limits = d["upstream_limits"];
  REQUIRE(limits.Size() == 1); // one bucket for the host
  CHECK(std::string{limits[0]["bucket"].GetString()}
        == "rss 127.0.0.1:" + srv.url("").substr(17));
  CHECK(limits[0]["granted"].GetUint64() == 2);
  CHECK(limits[0]["denied"].GetUint64() == 2);
  http->stop();
}

TEST_CASE("news: a feed that never succeeded and is out of budget fails the round") {
  tiny_server srv{"not a feed"};
  auto http = std::make_shared<httpc::client>(httpc::client_options{});
  news_options o;
  o.feeds = {srv.url("/a.xml")};
  o.rss_calls_per_min = 1;
  auto src = make_news(http, o);
  CHECK_FALSE(fetch_now(*src).ok);
  auto r = fetch_now(*src);
  CHECK(srv.requests() == 1);
  CHECK_FALSE(r.ok); // not made fresh by being skipped
  CHECK(r.error.find("feed 127.0.0.1") != std::string::npos);
  http->stop();
}

TEST_CASE("RSS/Atom: entity declarations are refused (no XXE, no expansion)") {
  std::vector<news_item> items;
  std::string why;
  const std::string item
    = "<rss><channel><item><title>&e;</title><link>https://x.test/</link>"
      "</item></channel></rss>";
  // External entities: not loaded before either, but the feed was accepted.
  CHECK_FALSE(parse_feed("<!DOCTYPE rss [<!ENTITY e SYSTEM "
                         "\"file:///etc/passwd\">]>" + item, "x", items, why));
  CHECK(has(why, "declares an XML entity"));
  CHECK_FALSE(parse_feed("<!DOCTYPE rss [<!ENTITY % p SYSTEM "
                         "\"http://127.0.0.1:1/x.dtd\"> %p;]>" + item,
                         "x", items, why));
  CHECK(has(why, "declares an XML entity"));
  // Expansion below Expat's own threshold (8 MiB) was accepted before:
  // 4 KiB of input became a 4 MiB title.
  std::string blow = "<!DOCTYPE rss [<!ENTITY a \"" + std::string(1024, 'a')
                     + "\"><!ENTITY e \"";
  for (int i = 0; i < 4096; ++i)
    blow += "&a;";
  blow += "\">]>" + item;
  CHECK_FALSE(parse_feed(blow, "x", items, why));
  CHECK(has(why, "declares an XML entity"));
  CHECK(items.empty());
  // A DOCTYPE naming an external DTD (RSS 0.91) is fine: it is never loaded.
  items.clear();
  REQUIRE(parse_feed(
    "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" "
    "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\">"
    "<rss><channel><item><title>T</title><link>https://x.test/</link>"
    "</item></channel></rss>", "x", items, why));
  CHECK(items.size() == 1);
}
