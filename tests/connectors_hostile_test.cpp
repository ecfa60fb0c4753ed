// A hostile or broken upstream: every connector's parser refuses answers
// nested too deep, with a NUL, with junk after the JSON, with numbers out of
// range or of the wrong type, and feeds that declare XML entities, each
// with a reason naming the problem (never a crash or undefined behaviour).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "domains/coinbase_ticker.hpp"
#include "domains/coingecko.hpp"
#include "domains/connector_util.hpp"
#include "domains/finnhub.hpp"
#include "domains/news_feeds.hpp"
#include "domains/newsdata.hpp"
#include "domains/open_meteo.hpp"
#include "gateway/ingest.hpp"
#include "wire/ws_frame.hpp"

using namespace flux;
using namespace flux::connectors;
using namespace std::string_literals;

namespace {

const std::string deep = std::string(10000, '[') + std::string(10000, ']');

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("Finnhub: hostile quote answers are refused with a reason") {
  quote q;
  std::string why;
  auto refused = [&](const std::string& body) {
    why.clear();
    return !parse_finnhub_quote("AAPL", body, q, why);
  };
  CHECK(refused(R"({"c":1,"pc":1,"x":)" + deep + "}"));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK(refused("{\"c\":1,\"pc\":1}\0junk"s));
  CHECK(has(why, "a NUL byte at offset 14"));
  CHECK(refused(R"({"c":1,"pc":1} junk)"));
  CHECK(has(why, "invalid JSON at offset 15"));
  CHECK(refused(R"({"c":1e400,"pc":1})"));
  CHECK(has(why, "Number too big"));
  CHECK(refused(R"([1,2])"));
  CHECK(why == "answer is not a JSON object");
  CHECK(refused(R"({"c":{"v":1},"pc":"x"})"));
  CHECK(why == "missing fields 'c' and 'pc'");
  // A time far out of range would overflow the conversion to ms.
  for (auto t : {"1e300", "-1", "\"1e19\"", "9.3e15"}) {
    CAPTURE(t);
    CHECK(refused(R"({"c":1,"pc":1,"t":)"s + t + "}"));
    CHECK(why == "field 't' is not a time in seconds since the epoch");
  }
  CHECK_FALSE(refused(R"({"c":1,"pc":1,"t":1582641000})"));
  CHECK(q.time_ms == 1582641000000);
  // The upstream's error text becomes the source's status: never empty
  // (found by fuzz.finnhub), never longer than 200 bytes, still UTF-8.
  CHECK(refused(R"({"error":""})"));
  CHECK(why == "an error without a message");
  CHECK(refused(R"({"error":"API limit reached"})"));
  CHECK(why == "API limit reached");
  CHECK(refused(R"({"error":")" + std::string(300, 'x') + "\u20ac\"}"));
  CHECK(why.size() <= 200);
  CHECK(refused(R"({"error":")" + std::string(190, 'x') + "\u20ac\u20ac\u20ac\u20ac\"}"));
  CHECK(why == std::string(190, 'x') + "\u20ac\u20ac\u20ac"s);
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

TEST_CASE("Coinbase: hostile ticker messages are refused as malformed") {
  std::string product, payload, why;
  auto malformed = [&](const std::string& m) {
    why.clear();
    bool ok = normalize_coinbase_ticker(m, product, payload, why);
    return !ok && !why.empty(); // empty why = a valid non-ticker message
  };
  CHECK(malformed(R"({"type":"ticker","x":)" + deep + "}"));
  CHECK(why == "invalid JSON: nested deeper than 64 levels");
  CHECK(malformed("{\"type\":\"ticker\",\"product_id\":\"A\",\"price\":\"1\"}\0x"s));
  CHECK(has(why, "a NUL byte"));
  CHECK(malformed(R"({"type":"ticker"}{"type":"ticker"})"));
  CHECK(has(why, "invalid JSON at offset 17"));
  CHECK(malformed(R"({"type":"ticker","product_id":"A","price":"1e999"})"));
  CHECK(malformed(R"({"type":"ticker","product_id":7,"price":"1"})"));
  CHECK(malformed(R"(["ticker"])"));
  CHECK(why == "message is not a JSON object");
}

TEST_CASE("CoinGecko and Open-Meteo (parse_json): hostile answers fail the "
          "source with a reason") {
  auto cg = normalize_coingecko("coingecko.markets", deep);
  CHECK_FALSE(cg.ok);
  CHECK(cg.error == "coingecko: invalid JSON: nested deeper than 64 levels");
  cg = normalize_coingecko("coingecko.markets", "[]\0[{\"id\":\"x\"}]"s);
  CHECK(cg.error == "coingecko: invalid JSON: a NUL byte at offset 2");
  cg = normalize_coingecko("coingecko.markets", "[] []");
  CHECK(has(cg.error, "coingecko: invalid JSON at offset 3"));
  city c{"London", 51.51, -0.13};
  auto answer = [](const std::string& time, const std::string& code) {
    return R"({"current":{"time":)" + time + R"(,"temperature_2m":1,)"
           R"("relative_humidity_2m":1,"wind_speed_10m":1,"weather_code":)"
           + code + "}}";
  };
  REQUIRE(normalize_open_meteo("x", c, answer("1795458600", "61")).ok);
  auto om = normalize_open_meteo("x", c, answer("1e300", "61"));
  CHECK(om.error == "open-meteo: current.time is not a time in seconds");
  om = normalize_open_meteo("x", c, answer("1795458600", "1e300"));
  CHECK(om.error == "open-meteo: current.weather_code is not a WMO code");
  om = normalize_open_meteo("x", c, answer("1795458600", "-3"));
  CHECK(om.error == "open-meteo: current.weather_code is not a WMO code");
  om = normalize_open_meteo("x", c, "{\"current\":" + deep + "}");
  CHECK(om.error == "open-meteo: invalid JSON: nested deeper than 64 levels");
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

TEST_CASE("RSS dates: a hostile year or day is invalid, not an overflow") {
  CHECK(parse_rfc822("Tue, 10 Jun 2147483653 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 10 Jun 99999999999999999999 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 4294967297 Jun 2003 04:00:00 GMT") == -1);
  CHECK(parse_rfc822("Tue, 10 Jun 2003 04:00:00 GMT") == 1055217600000);
  CHECK(parse_rfc822("Tue, 10 Jun 03 04:00:00 GMT") == 1055217600000);
}

TEST_CASE("ingest refuses an event its room would drop, and never echoes a "
          "path that is not UTF-8") {
  gateway::ingest_options o;
  o.token = "tok";
  o.max_event_bytes = 64;
  gateway::ingest_room room;
  std::string why;
  REQUIRE(gateway::parse_ingest_room("ops.incidents:snapshot", room, why));
  o.parsed_rooms.push_back(room);
  auto big = gateway::check_ingest(o, "ops.incidents", "Bearer tok", "",
                                   R"({"data":")" + std::string(80, 'x')
                                     + R"("})",
                                   1);
  CHECK(big.status == gateway::http::status::payload_too_large);
  CHECK(big.events.empty());
  CHECK(big.body.find("rooms.max-event-bytes") != std::string::npos);
  auto fits = gateway::check_ingest(o, "ops.incidents", "Bearer tok", "",
                                    R"({"data":"small"})", 1);
  CHECK(fits.status == gateway::http::status::accepted);
  auto bad = gateway::check_ingest(o, "a\xFF\xFE", "Bearer tok", "",
                                   R"({"data":1})", 1);
  CHECK(bad.status == gateway::http::status::bad_request);
  CHECK(flux::valid_utf8(bad.body));
}
