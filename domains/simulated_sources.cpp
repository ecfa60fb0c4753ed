#include "domains/simulated_sources.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <random>

#include "core/json.hpp"
#include "core/process.hpp"

namespace flux::sim {

namespace {

std::mt19937_64 make_rng(uint64_t seed) {
  return std::mt19937_64{seed != 0 ? seed : std::random_device{}()};
}

double gauss(std::mt19937_64& rng, double sd) {
  return std::normal_distribution<double>{0.0, sd}(rng);
}

double round_to(double v, int digits) {
  auto f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

event make_event(const std::string& source, const std::string& room,
                 event_kind kind, std::string key, std::string data) {
  event e;
  e.id = source + "-" + random_hex(16);
  e.room = room;
  e.kind = kind;
  e.key = std::move(key);
  e.source = source;
  e.ts = now_ms();
  e.data = std::move(data);
  return e;
}

// A source whose fetch is a synchronous step of a simulation.
class simulated : public source {
public:
  void fetch(std::function<void(fetch_result)> done) override {
    fetch_result r;
    r.ok = true;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      r.events = step();
    }
    done(std::move(r));
  }

protected:
  virtual std::vector<event> step() = 0;
  std::mutex mtx_;
};

// -- weather -------------------------------------------------------------------

const char* condition_for(int code) {
  switch (code) {
    case 0: return "Clear sky";
    case 1: return "Mainly clear";
    case 2: return "Partly cloudy";
    case 3: return "Overcast";
    case 45: return "Fog";
    case 61: return "Light rain";
    case 63: return "Rain";
    case 71: return "Snow";
    case 95: return "Thunderstorm";
  }
  return "Unknown";
}

class weather : public simulated {
public:
  weather(city c, uint64_t seed)
    : c_(std::move(c)), room_(weather_room(c_.name)), rng_(make_rng(seed)) {
    temp_ = c_.base_temp_c + gauss(rng_, 3);
    humidity_ = 60 + gauss(rng_, 10);
    wind_ = 12 + gauss(rng_, 4);
    wind_dir_ = std::uniform_real_distribution<double>{0, 360}(rng_);
  }
  std::string name() const override { return "sim.weather." + room_.substr(8); }
  std::vector<std::string> rooms() const override { return {room_}; }

protected:
  std::vector<event> step() override {
    static const int codes[] = {0, 1, 2, 3, 45, 61, 63, 71, 95};
    temp_ += gauss(rng_, 0.15) + (c_.base_temp_c - temp_) * 0.01;
    humidity_ = std::clamp(humidity_ + gauss(rng_, 0.8), 15.0, 100.0);
    wind_ = std::clamp(wind_ + gauss(rng_, 0.6), 0.0, 120.0);
    wind_dir_ = std::fmod(wind_dir_ + gauss(rng_, 4) + 360, 360);
    if (std::uniform_real_distribution<double>{0, 1}(rng_) < 0.05)
      code_ = codes[std::uniform_int_distribution<size_t>{0, 8}(rng_)];
    auto t = round_to(temp_, 1);
    json::writer w;
    w.start_object();
    w.kv("city", c_.name);
    w.kv("lat", c_.lat);
    w.kv("lon", c_.lon);
    w.kv("temperature_c", t);
    w.kv("apparent_c", round_to(temp_ - wind_ * 0.05, 1));
    w.kv("humidity_pct", round_to(humidity_, 0));
    w.kv("wind_kph", round_to(wind_, 1));
    w.kv("wind_dir_deg", round_to(wind_dir_, 0));
    w.kv("weather_code", code_);
    w.kv("condition", condition_for(code_));
    w.kv("observed_at", now_ms());
    w.end_object();
    return {make_event(name(), room_, event_kind::snapshot, "", w.take())};
  }

private:
  city c_;
  std::string room_;
  std::mt19937_64 rng_;
  double temp_, humidity_, wind_, wind_dir_;
  int code_ = 2;
};

// -- news ----------------------------------------------------------------------

class news : public simulated {
public:
  explicit news(uint64_t seed) : rng_(make_rng(seed)) {
    for (int i = 0; i < 8; ++i)
      add_headline(now_ms() - (8 - i) * 600000);
  }
  std::string name() const override { return "sim.news"; }
  std::vector<std::string> rooms() const override { return {"news.top"}; }

protected:
  std::vector<event> step() override {
    if (std::uniform_real_distribution<double>{0, 1}(rng_) < 0.3)
      add_headline(now_ms());
    json::writer w;
    w.start_object();
    w.key("items");
    w.start_array();
    for (auto& item : items_)
      w.raw(item);
    w.end_array();
    w.end_object();
    return {make_event(name(), "news.top", event_kind::snapshot, "", w.take())};
  }

private:
  void add_headline(int64_t published) {
    static const char* subjects[]
      = {"Central bank", "Chip makers", "Wind farms", "City council",
         "Shipping lines", "Researchers", "Airlines", "Regulators",
         "Energy markets", "Open-source maintainers"};
    static const char* verbs[]
      = {"signal", "report", "brace for", "unveil", "weigh", "celebrate",
         "warn of", "announce"};
    static const char* objects[]
      = {"record quarterly demand", "a slower rate path", "new safety rules",
         "a supply crunch", "an expansion plan", "higher summer traffic",
         "a breakthrough in storage", "a long-awaited merger"};
    static const char* outlets[]
      = {"Flux Wire", "Daily Ledger", "Metro Times", "Global Desk"};
    auto pick = [&](size_t n) {
      return std::uniform_int_distribution<size_t>{0, n - 1}(rng_);
    };
    std::string title = std::string{subjects[pick(10)]} + " " + verbs[pick(8)]
                        + " " + objects[pick(8)];
    auto id = ++counter_;
    json::writer w;
    w.start_object();
    w.kv("id", "sim-" + std::to_string(id));
    w.kv("title", title);
    w.kv("source", outlets[pick(4)]);
    w.kv("url", "https://news.example.com/story/" + std::to_string(id));
    w.kv("published_at", published);
    w.end_object();
    items_.insert(items_.begin(), w.take());
    if (items_.size() > 10)
      items_.pop_back();
  }

  std::mt19937_64 rng_;
  std::vector<std::string> items_;
  uint64_t counter_ = 0;
};

// -- stocks --------------------------------------------------------------------

struct quote {
  std::string symbol, name;
  double prev_close, open, high, low, price;
};

class stocks : public simulated {
public:
  explicit stocks(uint64_t seed) : rng_(make_rng(seed)) {
    const std::pair<const char*, double> seeds[]
      = {{"AAPL", 228}, {"MSFT", 415}, {"NVDA", 121}, {"AMZN", 186},
         {"GOOGL", 165}, {"META", 520}, {"TSLA", 248}, {"JPM", 211},
         {"V", 278}, {"XOM", 117}, {"UNH", 590}, {"WMT", 80},
         {"KO", 70}, {"DIS", 91}, {"NFLX", 690}, {"AMD", 152}};
    for (auto& [sym, px] : seeds) {
      auto open = px * (1 + gauss(rng_, 0.004));
      quotes_.push_back(quote{sym, sym, px, open, open, open, open});
    }
  }
  std::string name() const override { return "sim.stocks"; }
  std::vector<std::string> rooms() const override { return {"stocks.movers"}; }

protected:
  std::vector<event> step() override {
    for (auto& q : quotes_) {
      q.price = std::max(1.0, q.price * (1 + gauss(rng_, 0.0015)));
      q.high = std::max(q.high, q.price);
      q.low = std::min(q.low, q.price);
    }
    auto sorted = quotes_;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
      return a.price / a.prev_close > b.price / b.prev_close;
    });
    json::writer w;
    auto row = [&](const quote& q) {
      w.start_object();
      w.kv("symbol", q.symbol);
      w.kv("price", round_to(q.price, 2));
      w.kv("change", round_to(q.price - q.prev_close, 2));
      w.kv("change_pct", round_to((q.price / q.prev_close - 1) * 100, 2));
      w.kv("open", round_to(q.open, 2));
      w.kv("high", round_to(q.high, 2));
      w.kv("low", round_to(q.low, 2));
      w.kv("prev_close", round_to(q.prev_close, 2));
      w.end_object();
    };
    w.start_object();
    w.key("gainers");
    w.start_array();
    for (size_t i = 0; i < 5; ++i)
      row(sorted[i]);
    w.end_array();
    w.key("losers");
    w.start_array();
    for (size_t i = 0; i < 5; ++i)
      row(sorted[sorted.size() - 1 - i]);
    w.end_array();
    w.kv("as_of", now_ms());
    w.end_object();
    return {make_event(name(), "stocks.movers", event_kind::snapshot, "",
                       w.take())};
  }

private:
  std::mt19937_64 rng_;
  std::vector<quote> quotes_;
};

} // namespace

// -- crypto --------------------------------------------------------------------

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

double pct(double now, double then) {
  return then > 0 ? round_to((now / then - 1) * 100, 2) : 0.0;
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
    auto row = [&](const coin& c) {
      w.start_object();
      w.kv("id", c.id);
      w.kv("symbol", c.symbol);
      w.kv("name", c.name);
      w.kv("price", c.price);
      w.kv("change_1h_pct", pct(c.price, c.price_1h_ago));
      w.kv("change_24h_pct", pct(c.price, c.open_24h));
      w.kv("market_cap", std::round(c.price * c.supply));
      w.kv("volume_24h", std::round(c.volume_24h));
      w.end_object();
    };
    auto list = [&](const char* key, auto better, size_t n) {
      auto sorted = coins;
      std::sort(sorted.begin(), sorted.end(), better);
      w.key(key);
      w.start_array();
      for (size_t i = 0; i < n && i < sorted.size(); ++i)
        row(sorted[i]);
      w.end_array();
    };
    w.start_object();
    list("top", [](auto& a, auto& b) {
      return a.price * a.supply > b.price * b.supply;
    }, 10);
    list("gainers_1h", [](auto& a, auto& b) {
      return pct(a.price, a.price_1h_ago) > pct(b.price, b.price_1h_ago);
    }, 5);
    list("losers_1h", [](auto& a, auto& b) {
      return pct(a.price, a.price_1h_ago) < pct(b.price, b.price_1h_ago);
    }, 5);
    list("gainers_24h", [](auto& a, auto& b) {
      return pct(a.price, a.open_24h) > pct(b.price, b.open_24h);
    }, 5);
    list("losers_24h", [](auto& a, auto& b) {
      return pct(a.price, a.open_24h) < pct(b.price, b.open_24h);
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
      json::writer w;
      w.start_object();
      w.kv("product", c.symbol + "-USD");
      w.kv("price", c.price);
      w.kv("open_24h", c.open_24h);
      w.kv("high_24h", c.high_24h);
      w.kv("low_24h", c.low_24h);
      w.kv("volume_24h", std::round(c.volume_24h));
      w.kv("change_24h_pct", pct(c.price, c.open_24h));
      w.kv("time", now_ms());
      w.end_object();
      r.events.push_back(make_event(name(), "crypto.ticker",
                                    event_kind::update, c.symbol + "-USD",
                                    w.take()));
    }
    done(std::move(r));
  }

private:
  std::shared_ptr<crypto_market> m_;
  bool primed_ = false;
};

} // namespace

std::string weather_room(const std::string& city_name) {
  std::string out = "weather.";
  for (char ch : city_name)
    out += ch == ' ' ? '-' : static_cast<char>(std::tolower(ch));
  return out;
}

std::vector<city> default_cities() {
  return {{"London", 51.51, -0.13, 11},    {"New York", 40.71, -74.01, 13},
          {"Tokyo", 35.68, 139.69, 16},    {"Sydney", -33.87, 151.21, 18},
          {"Berlin", 52.52, 13.40, 10},    {"Sao Paulo", -23.55, -46.63, 21}};
}

std::shared_ptr<source> make_weather(city c, uint64_t seed) {
  return std::make_shared<weather>(std::move(c), seed);
}

std::shared_ptr<source> make_news(uint64_t seed) {
  return std::make_shared<news>(seed);
}

std::shared_ptr<source> make_stocks(uint64_t seed) {
  return std::make_shared<stocks>(seed);
}

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
