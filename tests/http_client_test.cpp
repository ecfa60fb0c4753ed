// The HTTP client: Retry-After, URLs, gunzip, and the request deadline.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>

#include <zlib.h>

#include "connector_test_support.hpp"
#include "domains/http_client.hpp"

using namespace flux;
using namespace flux::tests;

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
