#include "domains/coinbase_messages.hpp"

#include <rapidjson/document.h>

#include "core/json.hpp"
#include "core/process.hpp"
#include "domains/connector_util.hpp"
#include "domains/crypto_payload.hpp"

namespace flux::connectors {

bool normalize_coinbase_ticker(const std::string& message,
                               std::string& product, std::string& payload,
                               std::string& why) {
  rapidjson::Document doc;
  if (!json::parse(doc, message, why))
    return false;
  if (!doc.IsObject()) {
    why = "message is not a JSON object";
    return false;
  }
  std::string type;
  if (!json::get(doc, "type", type) || type != "ticker")
    return false;
  double price, open = 0, high = 0, low = 0, volume = 0;
  if (!json::get(doc, "product_id", product) || product.empty()
      || !number(doc, "price", price)) {
    why = "ticker without product_id or price";
    return false;
  }
  number(doc, "open_24h", open);
  number(doc, "high_24h", high);
  number(doc, "low_24h", low);
  number(doc, "volume_24h", volume);
  std::string time;
  int64_t t = -1;
  if (json::get(doc, "time", time))
    t = parse_iso8601(time);
  // Coinbase reports 24h volume in the base currency; the schema's
  // volume_24h is in the quote currency (base volume at the last price).
  payload = ticker_payload(ticker_row{product, price, open, high, low,
                                      volume * price, t > 0 ? t : now_ms()});
  return true;
}

std::string coinbase_subscribe_message(const std::vector<std::string>& products) {
  json::writer w;
  w.start_object();
  w.kv("type", "subscribe");
  w.key("product_ids");
  w.start_array();
  for (auto& p : products)
    w.value(p);
  w.end_array();
  w.key("channels");
  w.start_array();
  w.value("ticker");
  w.value("heartbeat");
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace flux::connectors
