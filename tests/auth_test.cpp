// Room patterns, the token reader, and the verifier's refusals. Tokens are
// HMAC-signed here with OpenSSL's HMAC() directly, not by libjwt (which the
// verifier uses); RS256 and ES256 are tested from Node with `jose`
// (tests/node/auth.test.mjs).
#include <doctest/doctest.h>

#include "auth/access_policy.hpp"
#include "auth/jwt_token.hpp"
#include "auth/room_patterns.hpp"
#include "auth/token_verifier.hpp"
#include "jwt_test_support.hpp"

using namespace flux::auth;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef!";

using flux::tests::b64url;

std::string hs256(const std::string& header, const std::string& payload,
                  const std::string& key = secret) {
  return flux::tests::hs256_token(header, payload, key);
}

const int64_t now_s = 1'800'000'000;
const int64_t now_ms = now_s * 1000;

std::string claims(const std::string& extra = {}) {
  return R"({"sub":"ann","exp":)" + std::to_string(now_s + 600)
         + R"(,"rooms":["crypto.*"])" + extra + "}";
}

std::shared_ptr<const token_verifier> verifier(auth_options o = {}) {
  if (o.jwt_secret.empty() && o.jwt_public_keys.empty())
    o.jwt_secret = secret;
  o.clock_skew_ms = 1000;
  std::vector<std::string> errors;
  auto v = token_verifier::load(o, errors);
  REQUIRE(errors.empty());
  return v;
}

} // namespace

TEST_CASE("room patterns: star, prefix at any depth, exact") {
  CHECK(matches("*", "news.top"));
  CHECK(matches("crypto.*", "crypto.ticker"));
  CHECK(matches("crypto.*", "crypto.ticker.btc"));
  CHECK_FALSE(matches("crypto.*", "crypto"));
  CHECK_FALSE(matches("crypto.*", "cryptox.ticker"));
  CHECK(matches("weather.london", "weather.london"));
  CHECK_FALSE(matches("weather.london", "weather.londonx"));
  CHECK(valid_pattern("crypto.*"));
  CHECK(valid_pattern("*"));
  CHECK_FALSE(valid_pattern("cry*"));
  CHECK_FALSE(valid_pattern(".*"));
  CHECK_FALSE(valid_pattern(""));
  CHECK_FALSE(valid_pattern("Crypto.*"));
  room_patterns p{{"news.top", "crypto.*"}};
  CHECK(p.covers("crypto.ticker"));
  CHECK_FALSE(p.covers("weather.london"));
}

TEST_CASE("base64url decoding is strict") {
  std::string out;
  CHECK(base64url_decode("aGk", out));
  CHECK(out == "hi");
  CHECK_FALSE(base64url_decode("aGk=", out)); // padding
  CHECK_FALSE(base64url_decode("aG+k", out)); // not the URL alphabet
  CHECK_FALSE(base64url_decode("a", out));    // impossible length
  CHECK_FALSE(base64url_decode("aGl", out));  // non-zero leftover bits
}

TEST_CASE("the token reader bounds and types every claim") {
  jwt_parts p;
  std::string why;
  CHECK_FALSE(parse_token("", 8192, p, why));
  CHECK(why == "no token");
  CHECK_FALSE(parse_token(std::string(9000, 'a'), 8192, p, why));
  CHECK(why.find("over 8192") != std::string::npos);
  CHECK_FALSE(parse_token("a.b", 8192, p, why));
  CHECK_FALSE(parse_token("a.b.c.d", 8192, p, why));
  auto tok = [](const std::string& h, const std::string& c) {
    return b64url(h) + "." + b64url(c) + ".sig";
  };
  CHECK_FALSE(parse_token(tok("[]", "{}"), 8192, p, why));
  CHECK_FALSE(parse_token(tok(R"({"typ":"JWT"})", "{}"), 8192, p, why));
  CHECK(why.find("no 'alg'") != std::string::npos);
  CHECK_FALSE(
    parse_token(tok(R"({"alg":"HS256","crit":["x"]})", "{}"), 8192, p, why));
  CHECK_FALSE(parse_token(tok(R"({"alg":"HS256"})", R"({"exp":"soon"})"), 8192,
                          p, why));
  CHECK_FALSE(parse_token(tok(R"({"alg":"HS256"})", R"({"rooms":"*"})"), 8192,
                          p, why));
  CHECK_FALSE(parse_token(tok(R"({"alg":"HS256"})", R"({"rooms":["A*"]})"),
                          8192, p, why));
  CHECK_FALSE(parse_token(tok(R"({"alg":"HS256"})", R"({"aud":[1]})"), 8192, p,
                          why));
  REQUIRE(parse_token(tok(R"({"alg":"HS256","kid":"k1"})",
                          R"({"sub":"ann","aud":"flux","exp":12.5,)"
                          R"("rooms":["*"],"ingest":["news.*"]})"),
                      8192, p, why));
  CHECK(p.header.kid == "k1");
  CHECK(p.claims.aud == std::vector<std::string>{"flux"});
  CHECK(p.claims.exp == 12);
  CHECK(p.claims.ingest == std::vector<std::string>{"news.*"});
}

TEST_CASE("the verifier accepts a well-signed HS256 token") {
  auto v = verifier()->verify(hs256(R"({"alg":"HS256","typ":"JWT"})", claims()),
                              now_ms);
  CHECK_MESSAGE(v.ok, v.reason);
  CHECK(v.who.sub == "ann");
  CHECK(v.who.exp_ms == (now_s + 600) * 1000);
  CHECK(v.who.rooms.covers("crypto.ticker"));
  CHECK_FALSE(v.who.rooms.covers("news.top"));
}

TEST_CASE("the verifier refuses each kind of bad token with its reason") {
  auto v = verifier();
  auto reason = [&](const std::string& token) {
    auto r = v->verify(token, now_ms);
    CHECK_FALSE(r.ok);
    return r.reason;
  };
  auto hdr = std::string{R"({"alg":"HS256"})"};
  CHECK(reason(hs256(R"({"alg":"none"})", claims()))
        == "unsigned token (alg none) refused");
  CHECK(reason(b64url(R"({"alg":"none"})") + "." + b64url(claims()) + ".")
        == "unsigned token (alg none) refused");
  CHECK(reason(hs256(R"({"alg":"RS256"})", claims())).find("not allowed")
        != std::string::npos);
  CHECK(reason(hs256(R"({"alg":"XX999"})", claims())).find("not supported")
        != std::string::npos);
  CHECK(reason(hs256(hdr, claims(), secret + "x")) == "bad signature");
  auto good = hs256(hdr, claims());
  CHECK(reason(good.substr(0, good.size() - 2) + "AA") == "bad signature");
  CHECK(reason("not a token").find("malformed") != std::string::npos);
  CHECK(reason(hs256(hdr, R"({"sub":"ann"})")) == "token has no expiry (exp)");
  CHECK(reason(hs256(hdr, R"({"exp":1900000000})"))
        == "token has no subject (sub)");
  auto expired = v->verify(
    hs256(hdr, R"({"sub":"ann","exp":)" + std::to_string(now_s - 5) + "}"),
    now_ms);
  CHECK(expired.expired);
  CHECK(expired.reason.find("expired") != std::string::npos);
  CHECK(reason(hs256(hdr, claims(R"(,"nbf":)" + std::to_string(now_s + 60))))
          .find("not valid before")
        != std::string::npos);
  CHECK(reason(hs256(hdr, claims(R"(,"iat":)" + std::to_string(now_s + 60))))
        == "token issued in the future (iat)");
  // Within the clock skew (1 s here) a token still counts.
  CHECK(v->verify(hs256(hdr, R"({"sub":"a","exp":)" + std::to_string(now_s)
                               + "}"),
                  now_ms + 500)
          .ok);
}

TEST_CASE("audience and issuer are checked when configured") {
  auth_options o;
  o.jwt_audience = "flux";
  o.jwt_issuer = "https://id.example";
  auto v = verifier(o);
  auto hdr = std::string{R"({"alg":"HS256"})"};
  CHECK(v->verify(hs256(hdr, claims(R"(,"aud":["x","flux"],"iss":"https://id.example")")),
                  now_ms)
          .ok);
  CHECK(v->verify(hs256(hdr, claims(R"(,"aud":"x","iss":"https://id.example")")),
                  now_ms)
          .reason
        == "wrong audience (aud)");
  CHECK(v->verify(hs256(hdr, claims(R"(,"aud":"flux","iss":"evil")")), now_ms)
          .reason
        == "wrong issuer (iss)");
}

TEST_CASE("keys are checked at load") {
  std::vector<std::string> errors;
  auth_options o;
  o.jwt_public_keys = {"/nonexistent/key.pem"};
  auto v = token_verifier::load(o, errors);
  CHECK(errors.size() == 1);
  CHECK_FALSE(v->has_keys());
  errors.clear();
  o = {};
  o.jwt_secret = "short";
  check_options(o, errors);
  CHECK(errors.size() == 1);
}

TEST_CASE("access policy: anonymous rooms by default, none with keys") {
  access_policy open;
  CHECK(open.may_subscribe(nullptr, "news.top"));
  auth_options o;
  o.jwt_secret = secret;
  std::vector<std::string> errors;
  auto keyed = access_policy::load(o, errors);
  CHECK_FALSE(keyed->may_subscribe(nullptr, "news.top"));
  o.anonymous_rooms = {"news.*"};
  o.anonymous_rooms_set = true;
  auto some = access_policy::load(o, errors);
  CHECK(some->may_subscribe(nullptr, "news.top"));
  CHECK_FALSE(some->may_subscribe(nullptr, "crypto.ticker"));
  identity ann;
  ann.rooms = room_patterns{{"crypto.*"}};
  CHECK(some->may_subscribe(&ann, "crypto.ticker"));
  o.required = true;
  auto required = access_policy::load(o, errors);
  CHECK_FALSE(required->may_subscribe(nullptr, "news.top"));
  CHECK(required->may_subscribe(&ann, "crypto.ticker"));
  CHECK(errors.empty());
}
