#include "domains/simulated_crypto.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <vector>

#include "core/json.hpp"
#include "core/process.hpp"
#include "domains/crypto_payload.hpp"
#include "domains/sim_random.hpp"
#include "domains/source_event.hpp"

namespace flux::sim {

using connectors::change_pct;

struct coin {
  std::string id, symbol, name;
  double price, open_24h, price_1h_ago, high_24h, low_24h, volume_24h,
    supply;
};

class crypto_market {
public:
  explicit crypto_market(uint64_t seed) : rng(make_rng(seed)) {
    struct seed_coin {
      const char* id;
      const char* sym;
      const char* name;
      double px;
      double supply;
    };
    const seed_coin seeds[]
      = {{"bitcoin", "BTC", "Bitcoin", 67000, 19.7e6},
         {"ethereum", "ETH", "Ethereum", 3100, 120e6},
         {"solana", "SOL", "Solana", 145, 465e6},
         {"ripple", "XRP", "XRP", 0.52, 56e9},
         {"cardano", "ADA", "Cardano", 0.38, 35e9},
         {"dogecoin", "DOGE", "Dogecoin", 0.12, 145e9},
         {"avalanche-2", "AVAX", "Avalanche", 27, 400e6},
         {"polkadot", "DOT", "Polkadot", 5.9, 1.4e9},
         {"chainlink", "LINK", "Chainlink", 13.5, 600e6},
         {"litecoin", "LTC", "Litecoin", 72, 75e6},
         {"uniswap", "UNI", "Uniswap", 7.4, 600e6},
         {"stellar", "XLM", "Stellar", 0.1, 29e9}};
    for (auto& s : seeds) {
      auto open = s.px * (1 + gauss(rng, 0.03));
      coins.push_back(coin{s.id, s.sym, s.name, s.px, open, s.px, s.px,
                           s.px, s.px * s.supply * 0.03, s.supply});
      coins.back().high_24h = std::max(open, s.px);
      coins.back().low_24h = std::min(open, s.px);
    }
  }

  // Moves one coin's price; returns its index.
  size_t tick() {
    auto i = std::uniform_int_distribution<size_t>{0, coins.size() - 1}(rng);
    auto& c = coins[i];
    c.price *= 1 + gauss(rng, 0.0008);
    c.high_24h = std::max(c.high_24h, c.price);
    c.low_24h = std::min(c.low_24h, c.price);
    c.volume_24h += c.price * std::abs(gauss(rng, 2));
    // Let the 1h reference drift so 1h change stays plausible.
    c.price_1h_ago += (c.price - c.price_1h_ago) * 0.002;
    return i;
  }

  std::mutex mtx;
  std::mt19937_64 rng;
  std::vector<coin> coins;
};

namespace {

connectors::coin_row row_of(const coin& c) {
  return {c.id,
          c.symbol,
          c.name,
          c.price,
          change_pct(c.price, c.price_1h_ago),
          change_pct(c.price, c.open_24h),
          c.price * c.supply,
          c.volume_24h};
}

class crypto_movers : public source {
public:
  explicit crypto_movers(std::shared_ptr<crypto_market> m) : m_(std::move(m)) {}
  std::string name() const override { return "sim.crypto.markets"; }
  std::vector<std::string> rooms() const override { return {"crypto.movers"}; }

  void fetch(std::function<void(fetch_result)> done) override {
    std::vector<coin> coins;
    {
      std::lock_guard<std::mutex> guard{m_->mtx};
      coins = m_->coins;
    }
    json::writer w;
    auto list = [&](const char* key, auto better, size_t n) {
      auto sorted = coins;
      std::sort(sorted.begin(), sorted.end(), better);
      w.key(key);
      w.start_array();
      for (size_t i = 0; i < n && i < sorted.size(); ++i)
        connectors::write_coin_row(w, row_of(sorted[i]));
      w.end_array();
    };
    w.start_object();
    list("top", [](auto& a, auto& b) {
      return a.price * a.supply > b.price * b.supply;
    }, 10);
    list("gainers_1h", [](auto& a, auto& b) {
      return change_pct(a.price, a.price_1h_ago)
             > change_pct(b.price, b.price_1h_ago);
    }, 5);
    list("losers_1h", [](auto& a, auto& b) {
      return change_pct(a.price, a.price_1h_ago)
             < change_pct(b.price, b.price_1h_ago);
    }, 5);
    list("gainers_24h", [](auto& a, auto& b) {
      return change_pct(a.price, a.open_24h) > change_pct(b.price, b.open_24h);
    }, 5);
    list("losers_24h", [](auto& a, auto& b) {
      return change_pct(a.price, a.open_24h) < change_pct(b.price, b.open_24h);
    }, 5);
    w.kv("as_of", now_ms());
    w.end_object();
    fetch_result r;
    r.ok = true;
    r.events.push_back(make_event(name(), "crypto.movers",
                                  event_kind::snapshot, "", w.take()));
    done(std::move(r));
  }

private:
  std::shared_ptr<crypto_market> m_;
};

class crypto_ticker : public source {
public:
  explicit crypto_ticker(std::shared_ptr<crypto_market> m) : m_(std::move(m)) {}
  std::string name() const override { return "sim.crypto.ticker"; }
  std::vector<std::string> rooms() const override { return {"crypto.ticker"}; }

  void fetch(std::function<void(fetch_result)> done) override {
    fetch_result r;
    r.ok = true;
    std::lock_guard<std::mutex> guard{m_->mtx};
    // The first poll reports every product, as Coinbase's ticker channel
    // does on subscribe, so a fresh room's snapshot is complete at once.
    // After that a few ticks per poll; the latest per product wins.
    std::set<size_t> moved;
    if (!primed_) {
      for (size_t i = 0; i < m_->coins.size(); ++i)
        moved.insert(i);
      primed_ = true;
    }
    for (int i = 0; i < 3; ++i)
      moved.insert(m_->tick());
    for (size_t i : moved) {
      auto& c = m_->coins[i];
      auto product = c.symbol + "-USD";
      auto payload = connectors::ticker_payload(
        {product, c.price, c.open_24h, c.high_24h, c.low_24h, c.volume_24h,
         now_ms()});
      r.events.push_back(make_event(name(), "crypto.ticker",
                                    event_kind::update, product,
                                    std::move(payload)));
    }
    done(std::move(r));
  }

private:
  std::shared_ptr<crypto_market> m_;
  bool primed_ = false;
};

} // namespace

std::shared_ptr<crypto_market> make_crypto_market(uint64_t seed) {
  return std::make_shared<crypto_market>(seed);
}

std::shared_ptr<source> make_crypto_movers(std::shared_ptr<crypto_market> m) {
  return std::make_shared<crypto_movers>(std::move(m));
}

std::shared_ptr<source> make_crypto_ticker(std::shared_ptr<crypto_market> m) {
  return std::make_shared<crypto_ticker>(std::move(m));
}

} // namespace flux::sim
