// Unit tests of the connectors' pure parts: breaker, rate limiter, backoff,
// HTTP helpers, normalization of every upstream format, feed parsing, and
// webhook ingest validation.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <zlib.h>

#include "domains/coinbase_ticker.hpp"
#include "domains/coingecko.hpp"
#include "domains/connector_util.hpp"
#include "domains/finnhub.hpp"
#include "domains/http_client.hpp"
#include "domains/news_feeds.hpp"
#include "domains/newsdata.hpp"
#include "domains/open_meteo.hpp"
#include "domains/resilience.hpp"
#include "gateway/ingest.hpp"

using namespace flux;
using namespace flux::connectors;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

// A one-thread HTTP server on 127.0.0.1 for the client-side tests: it
// answers every request with `reply`, or (empty reply) reads the request
// and never answers. Counts the requests it read.
class tiny_server {
public:
  explicit tiny_server(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~tiny_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : held_)
      ::close(c);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }

private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
      ++requests_;
      if (reply_.empty()) { // hang: keep the connection, answer nothing
        held_.push_back(c);
        continue;
      }
      auto out = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                 "Content-Length: " + std::to_string(reply_.size())
                 + "\r\nConnection: close\r\n\r\n" + reply_;
      (void)!::write(c, out.data(), out.size());
      ::close(c);
    }
  }

  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::vector<int> held_;
  std::thread thread_;
};

// Runs one fetch of `src` and waits for its result.
fetch_result fetch_now(source& src) {
  std::promise<fetch_result> p;
  auto f = p.get_future();
  src.fetch([&p](fetch_result r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_CASE("circuit breaker: closed -> open -> half-open -> open (longer) -> closed") {
  circuit_breaker b{{3, 1000, 8000}};
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.allow(0));
  b.on_failure(0);
  b.on_failure(10);
  CHECK(b.current() == circuit_breaker::state::closed);
  b.on_failure(20);
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.open_until() == 1020);
  CHECK_FALSE(b.allow(500)); // refused while open
  CHECK(b.rejected() == 1);
  CHECK(b.allow(1020)); // the trial
  CHECK(b.current() == circuit_breaker::state::half_open);
  CHECK_FALSE(b.allow(1021)); // only one trial at a time
  b.on_failure(1100); // trial failed: open for twice as long
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.open_until() == 3100);
  CHECK(b.opens() == 2);
  CHECK(b.allow(3100));
  b.on_failure(3200);
  CHECK(b.open_until() == 3200 + 4000);
  CHECK(b.allow(7200));
  b.on_failure(7300);
  CHECK(b.open_until() == 7300 + 8000); // capped
  CHECK(b.allow(15300));
  b.on_success(15400);
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.consecutive_failures() == 0);
  // Closed again: the threshold counts from zero, and the next open time
  // starts from the base again.
  b.on_failure(16000);
  b.on_failure(16001);
  CHECK(b.current() == circuit_breaker::state::closed);
  b.on_failure(16002);
  CHECK(b.open_until() == 17002);
  CHECK(std::string{circuit_breaker::to_string(circuit_breaker::state::half_open)}
        == "half-open");
}

TEST_CASE("a breaker with threshold 0 never opens") {
  circuit_breaker b{{0, 1000, 1000}};
  for (int i = 0; i < 100; ++i)
    b.on_failure(i);
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.allow(1000));
}

TEST_CASE("a breaker following a feed's reconnect loop: open while down, closed when up") {
  circuit_breaker b{{3, 1000, 8000}};
  b.follow(1, 100, 600);
  b.follow(2, 700, 1700);
  CHECK(b.current() == circuit_breaker::state::closed); // under the threshold
  b.follow(3, 1800, 3800);
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.opened_at() == 1800);
  CHECK(b.open_until() == 3800); // the feed's next attempt
  b.follow(4, 3900, 7900); // still down: the same opening, a later retry
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK(b.opens() == 1);
  CHECK(b.opened_at() == 1800);
  CHECK(b.open_until() == 7900);
  b.follow(0, 8000, 0); // reconnected
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.open_until() == 0);
  b.follow(3, 9000, 9500);
  CHECK(b.opens() == 2);
  circuit_breaker off{{0, 1000, 1000}};
  off.follow(100, 0, 500);
  CHECK(off.current() == circuit_breaker::state::closed);
}

TEST_CASE("rate limits per host: one shared bucket, a burst of one call per user") {
  auto b = buckets_per_host({"https://api.open-meteo.com/v1/forecast?latitude=1",
                             "https://api.open-meteo.com/v1/forecast?latitude=2",
                             "https://api.open-meteo.com/v1/forecast?latitude=3",
                             "https://other.example/feed.xml",
                             "http://api.open-meteo.com/v1/forecast"},
                            6);
  REQUIRE(b.size() == 5);
  CHECK(b[0] == b[1]);
  CHECK(b[1] == b[2]);
  CHECK(b[0] != b[3]);
  CHECK(b[0] != b[4]); // another port (80, not 443)
  CHECK(b[0]->per_minute() == 6);
  CHECK(b[0]->burst() == 3);
  CHECK(b[3]->burst() == 1);
  // Shared: what one city takes, the others cannot.
  CHECK(b[0]->try_acquire(0));
  CHECK(b[1]->try_acquire(0));
  CHECK(b[2]->try_acquire(0));
  CHECK_FALSE(b[0]->try_acquire(0));
  CHECK(b[1]->wait_ms(0) == 10000); // 6 a minute
  CHECK(b[3]->try_acquire(0));      // another host's bucket
  CHECK(buckets_per_host({"https://a.example/"}, 0).empty()); // no limit
  json::writer w;
  write_limit(w, "open-meteo", *b[0]);
  auto d = parse(w.take());
  CHECK(d["per_min"].GetDouble() == 6);
  CHECK(d["granted"].GetUint64() == 3);
  CHECK(d["denied"].GetUint64() == 1);
}

TEST_CASE("rate limiter: burst, then the average rate; Retry-After blocks") {
  rate_limiter r{60, 3}; // one a second, three at once
  CHECK(r.try_acquire(0));
  CHECK(r.try_acquire(0));
  CHECK(r.try_acquire(0));
  CHECK_FALSE(r.try_acquire(0));
  CHECK(r.wait_ms(0) == 1000);
  CHECK_FALSE(r.try_acquire(999));
  CHECK(r.try_acquire(1000));
  CHECK_FALSE(r.try_acquire(1500));
  // 10 s later the bucket holds its burst, not ten tokens.
  int granted = 0;
  for (int i = 0; i < 10; ++i)
    granted += r.try_acquire(11000) ? 1 : 0;
  CHECK(granted == 3);
  r.block_until(20000);
  CHECK_FALSE(r.try_acquire(19999));
  CHECK(r.wait_ms(15000) >= 5000);
  CHECK(r.try_acquire(21000)); // one token refilled after the block
  CHECK_FALSE(r.try_acquire(21000));
  rate_limiter off;
  for (int i = 0; i < 100; ++i)
    CHECK(off.try_acquire(0));
  CHECK(off.wait_ms(0) == 0);
}

TEST_CASE("backoff doubles per failure, is capped, and jitters in [50 %, 100 %]") {
  CHECK(backoff_ms(100, 10000, 1, 1.0) == 200);
  CHECK(backoff_ms(100, 10000, 3, 1.0) == 800);
  CHECK(backoff_ms(100, 10000, 3, 0.0) == 400);
  CHECK(backoff_ms(100, 1000, 20, 1.0) == 1000);
  CHECK(backoff_ms(100, 1000, 20, 0.0) == 500);
  CHECK(backoff_ms(100, 1000, 1000, 0.5) == 750);
}

TEST_CASE("Retry-After: seconds or an HTTP date") {
  CHECK(httpc::parse_retry_after("2", 0) == 2000);
  CHECK(httpc::parse_retry_after(" 120 ", 0) == 120000);
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s.
  CHECK(httpc::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                 784111777000 - 5000) == 5000);
  CHECK(httpc::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                 784111777000 + 5000) == 0);
  CHECK(httpc::parse_retry_after("soon", 0) == -1);
  CHECK(httpc::parse_retry_after("", 0) == -1);
}

TEST_CASE("URLs") {
  httpc::url_parts u;
  std::string why;
  REQUIRE(httpc::parse_url("https://api.open-meteo.com/v1/forecast?a=1", u, why));
  CHECK(u.scheme == "https");
  CHECK(u.host == "api.open-meteo.com");
  CHECK(u.port == "443");
  CHECK(u.target == "/v1/forecast?a=1");
  REQUIRE(httpc::parse_url("http://127.0.0.1:8080", u, why));
  CHECK(u.port == "8080");
  CHECK(u.target == "/");
  REQUIRE(httpc::parse_url("wss://ws-feed.exchange.coinbase.com", u, why));
  CHECK(u.port == "443");
  REQUIRE(httpc::parse_url("http://[::1]:9000/x#frag", u, why));
  CHECK(u.host == "::1");
  CHECK(u.target == "/x");
  CHECK_FALSE(httpc::parse_url("ftp://x/", u, why));
  CHECK_FALSE(httpc::parse_url("no-scheme", u, why));
  CHECK_FALSE(httpc::parse_url("http://user:pw@host/", u, why));
  CHECK_FALSE(httpc::parse_url("http://host:port/", u, why));
  CHECK(httpc::url_encode("a b&c/é") == "a%20b%26c%2F%C3%A9");
}

TEST_CASE("gunzip: round trip, size limit, garbage") {
  std::string plain(100000, 'x');
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string gz(compressBound(plain.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  std::string out, why;
  REQUIRE(httpc::gunzip(gz, 1 << 20, out, why));
  CHECK(out == plain);
  CHECK_FALSE(httpc::gunzip(gz, 50000, out, why)); // a zip bomb stops early
  CHECK(why.find("over 50000 bytes") != std::string::npos);
  CHECK_FALSE(httpc::gunzip("not gzip at all", 1000, out, why));
  CHECK_FALSE(httpc::gunzip(gz.substr(0, gz.size() / 2), 1 << 20, out, why));
  CHECK(why.find("truncated") != std::string::npos);
}

TEST_CASE("dates: ISO 8601 and RFC 822") {
  CHECK(parse_iso8601("2026-01-01T00:00:00Z") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01T01:00:00+01:00") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01T00:00:00.250Z") == 1767225600250);
  CHECK(parse_iso8601("2022-10-19T23:28:22.061769Z") == 1666222102061);
  CHECK(parse_iso8601("2026-01-01 00:00:00") == 1767225600000);
  CHECK(parse_iso8601("2026-01-01") == 1767225600000);
  CHECK(parse_iso8601("yesterday") == -1);
  CHECK(parse_rfc822("Thu, 01 Jan 2026 00:00:00 GMT") == 1767225600000);
  CHECK(parse_rfc822("Thu, 01 Jan 2026 01:00:00 +0100") == 1767225600000);
  CHECK(parse_rfc822("1 Jan 2026 00:00 UT") == 1767225600000);
  CHECK(parse_rfc822("Wed, 31 Dec 2025 19:00:00 EST") == 1767225600000);
  CHECK(parse_rfc822("garbage") == -1);
}

TEST_CASE("Open-Meteo current= answer -> weather payload") {
  city c{"London", 51.51, -0.13};
  auto r = normalize_open_meteo(
    "open-meteo.london", c,
    R"({"latitude":51.5,"longitude":-0.12,"current_units":{"time":"unixtime",
        "wind_speed_10m":"km/h"},"current":{"time":1795458600,"interval":900,
        "temperature_2m":11.44,"relative_humidity_2m":71,"apparent_temperature":10.81,
        "weather_code":61,"wind_speed_10m":13.24,"wind_direction_10m":240}})");
  REQUIRE(r.ok);
  REQUIRE(r.events.size() == 1);
  auto& e = r.events[0];
  CHECK(e.room == "weather.london");
  CHECK(e.kind == event_kind::snapshot);
  CHECK(e.source == "open-meteo.london");
  auto d = parse(e.data);
  CHECK(std::string{d["city"].GetString()} == "London");
  CHECK(d["lat"].GetDouble() == doctest::Approx(51.51));
  CHECK(d["temperature_c"].GetDouble() == doctest::Approx(11.4));
  CHECK(d["apparent_c"].GetDouble() == doctest::Approx(10.8));
  CHECK(d["humidity_pct"].GetDouble() == 71);
  CHECK(d["wind_kph"].GetDouble() == doctest::Approx(13.2));
  CHECK(d["weather_code"].GetInt() == 61);
  CHECK(std::string{d["condition"].GetString()} == "Light rain");
  CHECK(d["observed_at"].GetInt64() == 1795458600000);
  // Errors say what went wrong.
  auto err = normalize_open_meteo("x", c, R"({"error":true,"reason":"Latitude must be in range"})");
  CHECK_FALSE(err.ok);
  CHECK(err.error == "open-meteo: Latitude must be in range");
  auto missing = normalize_open_meteo("x", c, R"({"current":{"time":1}})");
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.find("temperature_2m") != std::string::npos);
  auto garbage = normalize_open_meteo("x", c, "{\"current\":");
  CHECK_FALSE(garbage.ok);
  CHECK(garbage.error.find("invalid JSON") != std::string::npos);
  CHECK(open_meteo_url("https://api.open-meteo.com/", c).find(
          "/v1/forecast?latitude=51.5100&longitude=-0.1300&current=temperature_2m")
        != std::string::npos);
}

TEST_CASE("cities: built-in names or Name:lat:lon") {
  city c;
  std::string why;
  REQUIRE(parse_city("Tokyo", c, why));
  CHECK(c.lat == doctest::Approx(35.68));
  REQUIRE(parse_city("New Delhi:28.61:77.21", c, why));
  CHECK(c.name == "New Delhi");
  CHECK(c.lon == doctest::Approx(77.21));
  CHECK_FALSE(parse_city("Atlantis", c, why));
  CHECK(why.find("Name:lat:lon") != std::string::npos);
  CHECK_FALSE(parse_city("X:95:0", c, why));
  CHECK_FALSE(parse_city("X:1", c, why));
}

TEST_CASE("CoinGecko markets -> crypto.movers") {
  std::string body = "[";
  const char* ids[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  for (int i = 0; i < 12; ++i) {
    if (i)
      body += ",";
    body += std::string{R"({"id":")"} + ids[i] + R"(","symbol":")" + ids[i]
            + R"(","name":"Coin )" + ids[i] + R"(","current_price":)"
            + std::to_string(100 - i) + R"(,"market_cap":)"
            + std::to_string((12 - i) * 1000) + R"(,"total_volume":5,)"
            + R"("price_change_percentage_1h_in_currency":)"
            + std::to_string(i - 6) + R"(.0,"price_change_percentage_24h_in_currency":)"
            + std::to_string(6 - i) + R"(.0,"last_updated":"2026-01-01T00:0)"
            + std::to_string(i % 10) + R"(:00.000Z"})";
  }
  body += R"(,{"id":"nil","symbol":"nil","name":"Nil","current_price":null}])";
  auto r = normalize_coingecko("coingecko.markets", body);
  REQUIRE(r.ok);
  auto d = parse(r.events.at(0).data);
  CHECK(r.events[0].room == "crypto.movers");
  CHECK(d["top"].Size() == 10);
  CHECK(std::string{d["top"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["top"][0]["symbol"].GetString()} == "A");
  CHECK(d["gainers_1h"].Size() == 5);
  CHECK(std::string{d["gainers_1h"][0]["id"].GetString()} == "l");
  CHECK(std::string{d["losers_1h"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["gainers_24h"][0]["id"].GetString()} == "a");
  CHECK(std::string{d["losers_24h"][0]["id"].GetString()} == "l");
  CHECK(d["as_of"].GetInt64() == 1767225600000 + 9 * 60000);
  // Same answer, same payload: the poller suppresses it.
  CHECK(normalize_coingecko("coingecko.markets", body).events[0].data
        == r.events[0].data);
  auto limited = normalize_coingecko(
    "x", R"({"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit"}})");
  CHECK_FALSE(limited.ok);
  CHECK(limited.error == "coingecko: You've exceeded the Rate Limit");
}

TEST_CASE("Finnhub quotes -> stocks.movers") {
  quote q;
  std::string why;
  REQUIRE(parse_finnhub_quote(
    "AAPL", R"({"c":261.74,"d":2.29,"dp":0.8826,"h":263.31,"l":260.68,"o":261.07,"pc":259.45,"t":1582641000})",
    q, why));
  CHECK(q.price == doctest::Approx(261.74));
  CHECK(q.change_pct == doctest::Approx(0.8826));
  CHECK(q.time_ms == 1582641000000);
  CHECK_FALSE(parse_finnhub_quote(
    "NOPE", R"({"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0})", q, why));
  CHECK(why == "unknown symbol");
  CHECK_FALSE(parse_finnhub_quote("X", R"({"error":"Invalid API key."})", q, why));
  CHECK(why == "Invalid API key.");
  std::vector<quote> qs;
  for (int i = 0; i < 7; ++i) {
    quote x;
    x.symbol = "S" + std::to_string(i);
    x.price = 100 + i;
    x.prev_close = 100;
    x.change = i;
    x.change_pct = i - 3;
    x.time_ms = 1000 * i;
    qs.push_back(x);
  }
  auto d = parse(stock_movers_payload(qs));
  CHECK(d["gainers"].Size() == 5);
  CHECK(d["losers"].Size() == 5);
  CHECK(std::string{d["gainers"][0]["symbol"].GetString()} == "S6");
  CHECK(std::string{d["losers"][0]["symbol"].GetString()} == "S0");
  CHECK(d["losers"][0]["change_pct"].GetDouble() == -3);
  CHECK(d["as_of"].GetInt64() == 6000);
  auto one = parse(stock_movers_payload({qs[0]}));
  CHECK(one["gainers"].Size() == 1);
}

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

TEST_CASE("Coinbase ticker messages -> crypto.ticker updates") {
  std::string product, payload, why;
  REQUIRE(normalize_coinbase_ticker(
    R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",
        "open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",
        "high_24h":"1313.8","side":"buy","time":"2022-10-19T23:28:22.061769Z"})",
    product, payload, why));
  CHECK(product == "ETH-USD");
  auto d = parse(payload);
  CHECK(std::string{d["product"].GetString()} == "ETH-USD");
  CHECK(d["price"].GetDouble() == doctest::Approx(1285.22));
  CHECK(d["open_24h"].GetDouble() == doctest::Approx(1310.79));
  CHECK(d["high_24h"].GetDouble() == doctest::Approx(1313.8));
  CHECK(d["change_24h_pct"].GetDouble() == doctest::Approx(-1.95));
  CHECK(d["volume_24h"].GetDouble() == doctest::Approx(245532.79269678 * 1285.22).epsilon(1e-9));
  CHECK(d["time"].GetInt64() == 1666222102061);
  CHECK_FALSE(normalize_coinbase_ticker(R"({"type":"heartbeat"})", product, payload, why));
  CHECK(why.empty());
  CHECK_FALSE(normalize_coinbase_ticker(R"({"type":"ticker","price":"x"})", product,
                                        payload, why));
  CHECK_FALSE(why.empty());
  auto sub = parse(coinbase_subscribe_message({"BTC-USD", "ETH-USD"}));
  CHECK(std::string{sub["type"].GetString()} == "subscribe");
  CHECK(sub["product_ids"].Size() == 2);
  CHECK(std::string{sub["channels"][0].GetString()} == "ticker");
}

TEST_CASE("news: feeds are paced per host; a feed out of budget keeps its last items") {
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

TEST_CASE("HTTP client: the request deadline cuts a longer read timeout") {
  tiny_server srv{""}; // reads the request, never answers
  httpc::client_options co;
  co.read_timeout = std::chrono::milliseconds{5000};
  co.deadline = std::chrono::milliseconds{300};
  auto http = std::make_shared<httpc::client>(co);
  std::promise<httpc::response> p;
  auto f = p.get_future();
  auto t0 = std::chrono::steady_clock::now();
  httpc::request req;
  req.url = srv.url("/slow");
  http->fetch(req, [&p](httpc::response r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(std::chrono::seconds{4}) == std::future_status::ready);
  auto took = std::chrono::steady_clock::now() - t0;
  auto r = f.get();
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("timeout after 300 ms (request deadline)") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds{250});
  CHECK(took < std::chrono::milliseconds{3000});
  http->stop();
}

TEST_CASE("HTTP answers become failures with reasons and Retry-After") {
  httpc::response res;
  res.ok = true;
  res.status = 429;
  res.retry_after_ms = 7000;
  res.body = R"({"error":"API limit reached"})";
  fetch_result r;
  CHECK_FALSE(check_http("finnhub", res, r));
  CHECK(r.retry_after_ms == 7000);
  CHECK(r.error.find("HTTP 429 Too Many Requests") != std::string::npos);
  res.retry_after_ms = -1;
  CHECK_FALSE(check_http("finnhub", res, r));
  CHECK(r.retry_after_ms == 60000);
  res.status = 500;
  CHECK_FALSE(check_http("x", res, r));
  CHECK(r.retry_after_ms == 0);
  res.status = 200;
  CHECK(check_http("x", res, r));
  httpc::response broken;
  broken.error = "timeout connecting to h:443 after 5000 ms";
  CHECK_FALSE(check_http("x", broken, r));
  CHECK(r.error == "x: timeout connecting to h:443 after 5000 ms");
}

TEST_CASE("webhook ingest validation") {
  using gateway::check_ingest;
  gateway::ingest_options o;
  o.token = "tok";
  o.max_events = 3;
  o.max_body_bytes = 1000;
  gateway::ingest_room room;
  std::string why;
  REQUIRE(gateway::parse_ingest_room("ops.incidents:snapshot", room, why));
  o.parsed_rooms.push_back(room);
  REQUIRE(gateway::parse_ingest_room("ops.metrics:stream", room, why));
  CHECK(room.cls == room_class::stream);
  o.parsed_rooms.push_back(room);
  CHECK_FALSE(gateway::parse_ingest_room("Bad:snapshot", room, why));
  CHECK_FALSE(gateway::parse_ingest_room("ok:table", room, why));
  REQUIRE(gateway::parse_ingest_room("plain", room, why));
  CHECK(room.cls == room_class::snapshot);

  auto ok = check_ingest(o, "ops.incidents", "Bearer tok", "application/json",
                         R"({"id":"i1","data":{"n":1}})", 42);
  CHECK(ok.status == gateway::http::status::accepted);
  REQUIRE(ok.events.size() == 1);
  CHECK(ok.events[0].room == "ops.incidents");
  CHECK(ok.events[0].ts == 42);
  CHECK(ok.events[0].source == "ingest");
  CHECK(ok.events[0].data == R"({"n":1})");
  CHECK(ok.body == R"({"accepted":1,"room":"ops.incidents","ids":["i1"]})");

  auto arr = check_ingest(o, "ops.metrics", "Bearer tok", "",
                          R"([{"kind":"update","key":"a","data":1},{"kind":"update","key":"b","data":2}])", 1);
  CHECK(arr.status == gateway::http::status::accepted);
  CHECK(arr.events.size() == 2);

  auto status_of = [&](const std::string& room, const std::string& auth,
                       const std::string& body) {
    return check_ingest(o, room, auth, "application/json", body, 1).status;
  };
  using st = gateway::http::status;
  CHECK(status_of("ops.incidents", "", R"({"data":1})") == st::unauthorized);
  CHECK(status_of("ops.incidents", "Bearer nope", R"({"data":1})") == st::forbidden);
  CHECK(status_of("ops.incidents", "Basic tok", R"({"data":1})") == st::forbidden);
  CHECK(status_of("nope", "Bearer tok", R"({"data":1})") == st::not_found);
  CHECK(status_of("No Such", "Bearer tok", R"({"data":1})") == st::bad_request);
  CHECK(status_of("ops.incidents", "Bearer tok", R"({"room":"other","data":1})")
        == st::bad_request);
  CHECK(status_of("ops.incidents", "Bearer tok", R"([1,2])") == st::bad_request);
  CHECK(status_of("ops.metrics", "Bearer tok",
                  R"([{"kind":"update","key":"a","data":1},{"kind":"update","key":"a","data":1},
                      {"kind":"update","key":"a","data":1},{"kind":"update","key":"a","data":1}])")
        == st::payload_too_large);
  CHECK(status_of("ops.incidents", "Bearer tok", std::string(1001, ' '))
        == st::payload_too_large);
  auto bad = check_ingest(o, "ops.metrics", "Bearer tok", "application/json",
                          R"([{"kind":"update","key":"a","data":1},{"kind":"update","data":2}])", 1);
  CHECK(bad.status == st::bad_request);
  CHECK(bad.events.empty()); // all or nothing
  CHECK(bad.body.find("event 1: an update needs field 'key'") != std::string::npos);
  CHECK(bad.body.find("\"index\":1") != std::string::npos);
  CHECK(check_ingest(o, "ops.incidents", "Bearer tok", "text/plain", "{}", 1).status
        == st::unsupported_media_type);
  gateway::ingest_options off;
  CHECK(check_ingest(off, "ops.incidents", "Bearer tok", "", "{}", 1).status
        == st::not_found);
}
