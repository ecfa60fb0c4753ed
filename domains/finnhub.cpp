#include "domains/finnhub.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "domains/connector_util.hpp"
#include "domains/resilience.hpp"

namespace flux::connectors {

bool parse_finnhub_quote(const std::string& symbol, const std::string& body,
                         quote& out, std::string& why) {
  rapidjson::Document doc;
  if (!json::parse(doc, body, why))
    return false;
  if (!doc.IsObject()) {
    why = "answer is not a JSON object";
    return false;
  }
  std::string err;
  if (json::get(doc, "error", err)) {
    why = upstream_reason(err, "an error without a message");
    return false;
  }
  out = quote{};
  out.symbol = symbol;
  if (!number(doc, "c", out.price) || !number(doc, "pc", out.prev_close)) {
    why = "missing fields 'c' and 'pc'";
    return false;
  }
  if (out.price == 0 && out.prev_close == 0) {
    why = "unknown symbol";
    return false;
  }
  number(doc, "o", out.open);
  number(doc, "h", out.high);
  number(doc, "l", out.low);
  if (!number(doc, "d", out.change))
    out.change = out.price - out.prev_close;
  if (!number(doc, "dp", out.change_pct))
    out.change_pct = out.prev_close > 0
                       ? (out.price / out.prev_close - 1) * 100 : 0;
  double t = 0;
  if (number(doc, "t", t) && !unix_seconds_to_ms(t, out.time_ms)) {
    why = "field 't' is not a time in seconds since the epoch";
    return false;
  }
  return true;
}

namespace {

class finnhub : public source,
                public std::enable_shared_from_this<finnhub> {
public:
  finnhub(std::shared_ptr<httpc::client> http, finnhub_options opts)
    : http_(std::move(http)),
      opts_(std::move(opts)),
      pacer_(opts_.calls_per_min, opts_.burst) {
    opts_.base_url = without_trailing_slashes(opts_.base_url);
  }

  std::string name() const override { return "finnhub.quotes"; }
  std::vector<std::string> rooms() const override { return {"stocks.movers"}; }

  void write_status(json::writer& w) const override {
    w.key("upstream_limits"); // the per-call bucket (the poller has none)
    w.start_array();
    write_limit(w, "finnhub", pacer_);
    w.end_array();
  }

  void fetch(std::function<void(fetch_result)> done) override {
    std::vector<std::string> batch;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto now = monotonic_ms();
      for (size_t i = 0; i < opts_.symbols.size(); ++i) {
        if (!pacer_.try_acquire(now))
          break;
        batch.push_back(opts_.symbols[next_++ % opts_.symbols.size()]);
      }
    }
    if (batch.empty()) { // no budget now: the latest quotes again
      fetch_result r;
      r.ok = true;
      std::lock_guard<std::mutex> guard{mtx_};
      if (!cache_.empty())
        r.events.push_back(snapshot_event());
      return done(std::move(r));
    }
    auto join = std::make_shared<batch_state>();
    join->pending = batch.size();
    join->done = std::move(done);
    auto self = shared_from_this();
    for (auto& sym : batch) {
      httpc::request req;
      req.url = opts_.base_url + "/api/v1/quote?symbol=" + httpc::url_encode(sym);
      req.headers.emplace_back("Accept", "application/json");
      req.headers.emplace_back("X-Finnhub-Token", opts_.api_key);
      http_->fetch(std::move(req), [self, join, sym](httpc::response res) {
        self->on_quote(join, sym, res);
      });
    }
  }

private:
  struct batch_state {
    std::mutex mtx;
    size_t pending = 0;
    size_t ok = 0;
    std::string first_error;
    int64_t retry_after_ms = 0;
    std::function<void(fetch_result)> done;
  };

  event snapshot_event() {
    std::vector<quote> quotes;
    for (auto& [_, q] : cache_)
      quotes.push_back(q);
    return make_event(name(), "stocks.movers", event_kind::snapshot, "",
                      stock_movers_payload(std::move(quotes)));
  }

  void on_quote(const std::shared_ptr<batch_state>& join,
                const std::string& sym, const httpc::response& res) {
    fetch_result check;
    quote q;
    std::string why;
    bool ok = check_http("finnhub", res, check);
    if (ok && !parse_finnhub_quote(sym, res.body, q, why)) {
      ok = false;
      check = failure("finnhub: " + sym + ": " + why);
      std::lock_guard<std::mutex> guard{mtx_};
      if (why == "unknown symbol" && warned_.insert(sym).second)
        log::warn("finnhub", "unknown symbol; check connectors.stock-symbols",
                  {{"symbol", sym}});
    }
    if (check.retry_after_ms > 0) // 429: nobody calls before Retry-After
      pacer_.block_until(monotonic_ms() + check.retry_after_ms);
    std::function<void(fetch_result)> done;
    fetch_result r;
    {
      std::lock_guard<std::mutex> guard{join->mtx};
      if (ok) {
        ++join->ok;
        std::lock_guard<std::mutex> g2{mtx_};
        cache_[sym] = q;
      } else {
        if (join->first_error.empty())
          join->first_error = check.error;
        join->retry_after_ms = std::max(join->retry_after_ms,
                                        check.retry_after_ms);
      }
      if (--join->pending > 0)
        return;
      done = std::move(join->done);
      if (join->retry_after_ms > 0 || join->ok == 0) {
        r = failure(join->first_error);
        r.retry_after_ms = join->retry_after_ms;
      } else {
        r.ok = true;
      }
    }
    if (r.ok) {
      std::lock_guard<std::mutex> guard{mtx_};
      r.events.push_back(snapshot_event());
    }
    done(std::move(r));
  }

  std::shared_ptr<httpc::client> http_;
  finnhub_options opts_;
  rate_limiter pacer_;
  std::mutex mtx_;
  size_t next_ = 0;
  std::map<std::string, quote> cache_;
  std::set<std::string> warned_;
};

} // namespace

std::shared_ptr<source> make_finnhub(std::shared_ptr<httpc::client> http,
                                     finnhub_options opts) {
  return std::make_shared<finnhub>(std::move(http), std::move(opts));
}

} // namespace flux::connectors
