#include "domains/coingecko.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/json.hpp"
#include "domains/connector_util.hpp"
#include "domains/crypto_payload.hpp"

namespace flux::connectors {

std::string coingecko_url(const std::string& base, size_t per_page) {
  auto b = without_trailing_slashes(base);
  return b + "/api/v3/coins/markets?vs_currency=usd&order=market_cap_desc"
             "&per_page=" + std::to_string(per_page)
         + "&page=1&price_change_percentage=1h,24h";
}

namespace {

struct coin : coin_row {
  bool has_1h = false, has_24h = false;
};

// The coins of a markets answer that have a price; `as_of` becomes the
// newest last_updated.
std::vector<coin> read_coins(const rapidjson::Value& list, int64_t& as_of) {
  std::vector<coin> coins;
  for (auto& v : list.GetArray()) {
    if (!v.IsObject())
      continue;
    coin c;
    if (!json::get(v, "id", c.id) || !number(v, "current_price", c.price))
      continue; // coins without a price (delisted) are skipped
    json::get(v, "symbol", c.symbol);
    json::get(v, "name", c.name);
    std::transform(c.symbol.begin(), c.symbol.end(), c.symbol.begin(),
                   [](unsigned char ch) { return std::toupper(ch); });
    number(v, "market_cap", c.market_cap);
    number(v, "total_volume", c.volume_24h);
    c.has_1h = number(v, "price_change_percentage_1h_in_currency",
                      c.change_1h_pct);
    c.has_24h = number(v, "price_change_percentage_24h_in_currency",
                       c.change_24h_pct)
                || number(v, "price_change_percentage_24h", c.change_24h_pct);
    std::string updated;
    if (json::get(v, "last_updated", updated))
      as_of = std::max(as_of, parse_iso8601(updated));
    coins.push_back(std::move(c));
  }
  return coins;
}

std::string movers_payload(const std::vector<coin>& coins, int64_t as_of) {
  json::writer w;
  auto list = [&](const char* key, auto keep, auto better, size_t n) {
    std::vector<const coin*> sorted;
    for (auto& c : coins)
      if (keep(c))
        sorted.push_back(&c);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](auto* a, auto* b) { return better(*a, *b); });
    w.key(key);
    w.start_array();
    for (size_t i = 0; i < n && i < sorted.size(); ++i)
      write_coin_row(w, *sorted[i]);
    w.end_array();
  };
  auto any = [](const coin&) { return true; };
  auto h1 = [](const coin& c) { return c.has_1h; };
  auto h24 = [](const coin& c) { return c.has_24h; };
  w.start_object();
  list("top", any, [](auto& a, auto& b) { return a.market_cap > b.market_cap; },
       10);
  list("gainers_1h", h1,
       [](auto& a, auto& b) { return a.change_1h_pct > b.change_1h_pct; }, 5);
  list("losers_1h", h1,
       [](auto& a, auto& b) { return a.change_1h_pct < b.change_1h_pct; }, 5);
  list("gainers_24h", h24,
       [](auto& a, auto& b) { return a.change_24h_pct > b.change_24h_pct; },
       5);
  list("losers_24h", h24,
       [](auto& a, auto& b) { return a.change_24h_pct < b.change_24h_pct; },
       5);
  // The newest last_updated: the same upstream data gives the same payload,
  // so an unchanged answer is suppressed by the poller.
  w.kv("as_of", as_of > 0 ? as_of : 0);
  w.end_object();
  return w.take();
}

} // namespace

fetch_result normalize_coingecko(const std::string& source,
                                 const std::string& body) {
  fetch_result r;
  rapidjson::Document doc;
  if (!parse_json("coingecko", body, doc, r))
    return r;
  if (doc.IsObject()) { // {"status":{"error_code":429,"error_message":…}}
    auto st = doc.FindMember("status");
    std::string msg = "answer is not a list of coins";
    if (st != doc.MemberEnd() && st->value.IsObject())
      json::get(st->value, "error_message", msg);
    json::get(doc, "error", msg);
    return failure("coingecko: " + msg);
  }
  if (!doc.IsArray())
    return failure("coingecko: answer is not a list of coins");
  int64_t as_of = 0;
  auto coins = read_coins(doc, as_of);
  if (coins.empty())
    return failure("coingecko: no coins with a price in the answer");
  r.ok = true;
  r.events.push_back(make_event(source, "crypto.movers", event_kind::snapshot,
                                "", movers_payload(coins, as_of)));
  return r;
}

namespace {

class coingecko : public source {
public:
  coingecko(std::shared_ptr<httpc::client> http, std::string base,
            size_t per_page, std::string key)
    : http_(std::move(http)),
      url_(coingecko_url(base, per_page)),
      key_(std::move(key)) {
  }

  std::string name() const override { return "coingecko.markets"; }
  std::vector<std::string> rooms() const override { return {"crypto.movers"}; }

  void fetch(std::function<void(fetch_result)> done) override {
    httpc::request req;
    req.url = url_;
    req.headers.emplace_back("Accept", "application/json");
    if (!key_.empty())
      req.headers.emplace_back("x-cg-demo-api-key", key_);
    http_->fetch(std::move(req),
                 [name = name(), done = std::move(done)](httpc::response res) {
                   fetch_result r;
                   if (!check_http("coingecko", res, r))
                     return done(std::move(r));
                   done(normalize_coingecko(name, res.body));
                 });
  }

private:
  std::shared_ptr<httpc::client> http_;
  std::string url_;
  std::string key_;
};

} // namespace

std::shared_ptr<source> make_coingecko(std::shared_ptr<httpc::client> http,
                                       std::string base_url, size_t per_page,
                                       std::string api_key) {
  return std::make_shared<coingecko>(std::move(http), std::move(base_url),
                                     per_page, std::move(api_key));
}

} // namespace flux::connectors
