#include "domains/stock_payload.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "domains/connector_util.hpp"

namespace flux::connectors {

namespace {

void write_quote(json::writer& w, const quote& q) {
  w.start_object();
  w.kv("symbol", q.symbol);
  w.kv("price", round_to(q.price, 2));
  w.kv("change", round_to(q.change, 2));
  w.kv("change_pct", round_to(q.change_pct, 2));
  w.kv("open", round_to(q.open, 2));
  w.kv("high", round_to(q.high, 2));
  w.kv("low", round_to(q.low, 2));
  w.kv("prev_close", round_to(q.prev_close, 2));
  w.end_object();
}

} // namespace

std::string stock_movers_payload(std::vector<quote> quotes) {
  std::stable_sort(quotes.begin(), quotes.end(), [](auto& a, auto& b) {
    return a.change_pct > b.change_pct;
  });
  int64_t as_of = 0;
  for (auto& q : quotes)
    as_of = std::max(as_of, q.time_ms);
  return ranked_movers_payload(quotes, as_of);
}

std::string ranked_movers_payload(const std::vector<quote>& ranked,
                                  int64_t as_of) {
  size_t n = std::min<size_t>(5, ranked.size());
  json::writer w;
  w.start_object();
  w.key("gainers");
  w.start_array();
  for (size_t i = 0; i < n; ++i)
    write_quote(w, ranked[i]);
  w.end_array();
  w.key("losers");
  w.start_array();
  for (size_t i = 0; i < n; ++i)
    write_quote(w, ranked[ranked.size() - 1 - i]);
  w.end_array();
  w.kv("as_of", as_of);
  w.end_object();
  return w.take();
}

} // namespace flux::connectors
