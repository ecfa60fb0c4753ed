#include "domains/simulated_sources.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <mutex>

#include "core/json.hpp"
#include "core/process.hpp"
#include "domains/news_payload.hpp"
#include "domains/sim_random.hpp"
#include "domains/source_event.hpp"
#include "domains/stock_payload.hpp"
#include "domains/weather_payload.hpp"

namespace flux::sim {

namespace {

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
    auto payload = connectors::weather_payload(
      {c_.name, c_.lat, c_.lon, temp_, temp_ - wind_ * 0.05, humidity_, wind_,
       wind_dir_, code_, now_ms()});
    return {make_event(name(), room_, event_kind::snapshot, "",
                       std::move(payload))};
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
    return {make_event(name(), "news.top", event_kind::snapshot, "",
                       connectors::news_payload(items_))};
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
    connectors::news_item item;
    item.id = "sim-" + std::to_string(id);
    item.title = title;
    item.source = outlets[pick(4)];
    item.url = "https://news.example.com/story/" + std::to_string(id);
    item.published_at = published;
    items_.insert(items_.begin(), std::move(item));
    if (items_.size() > 10)
      items_.pop_back();
  }

  std::mt19937_64 rng_;
  std::vector<connectors::news_item> items_;
  uint64_t counter_ = 0;
};

// -- stocks --------------------------------------------------------------------

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
      connectors::quote q;
      q.symbol = sym;
      q.prev_close = px;
      q.open = q.high = q.low = q.price = open;
      quotes_.push_back(q);
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
      q.change = q.price - q.prev_close;
      q.change_pct = (q.price / q.prev_close - 1) * 100;
    }
    auto sorted = quotes_;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
      return a.price / a.prev_close > b.price / b.prev_close;
    });
    return {make_event(name(), "stocks.movers", event_kind::snapshot, "",
                       connectors::ranked_movers_payload(sorted, now_ms()))};
  }

private:
  std::mt19937_64 rng_;
  std::vector<connectors::quote> quotes_;
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

} // namespace flux::sim
