#include "domains/crypto_payload.hpp"

#include <cmath>

#include "domains/connector_util.hpp"

namespace flux::connectors {

double change_pct(double now, double then) {
  return then > 0 ? round_to((now / then - 1) * 100, 2) : 0.0;
}

void write_coin_row(json::writer& w, const coin_row& c) {
  w.start_object();
  w.kv("id", c.id);
  w.kv("symbol", c.symbol);
  w.kv("name", c.name);
  w.kv("price", c.price);
  w.kv("change_1h_pct", round_to(c.change_1h_pct, 2));
  w.kv("change_24h_pct", round_to(c.change_24h_pct, 2));
  w.kv("market_cap", std::round(c.market_cap));
  w.kv("volume_24h", std::round(c.volume_24h));
  w.end_object();
}

std::string ticker_payload(const ticker_row& t) {
  json::writer w;
  w.start_object();
  w.kv("product", t.product);
  w.kv("price", t.price);
  w.kv("open_24h", t.open_24h);
  w.kv("high_24h", t.high_24h);
  w.kv("low_24h", t.low_24h);
  w.kv("volume_24h", std::round(t.volume_24h));
  w.kv("change_24h_pct", change_pct(t.price, t.open_24h));
  w.kv("time", t.time);
  w.end_object();
  return w.take();
}

} // namespace flux::connectors
