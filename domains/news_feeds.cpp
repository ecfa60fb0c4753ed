#include "domains/news_feeds.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "domains/connector_util.hpp"
#include "domains/newsdata.hpp"

namespace flux::connectors {

namespace {

std::string host_of(const std::string& url) {
  httpc::url_parts parts;
  std::string why;
  return httpc::parse_url(url, parts, why) ? parts.host : url;
}

class news : public source, public std::enable_shared_from_this<news> {
public:
  news(std::shared_ptr<httpc::client> http, news_options opts)
    : http_(std::move(http)), opts_(std::move(opts)) {
    auto buckets = buckets_per_host(opts_.feeds, opts_.rss_calls_per_min);
    for (size_t i = 0; i < opts_.feeds.size(); ++i) {
      auto& f = opts_.feeds[i];
      feeds_.push_back(feed{f, host_of(f), {}, false, ""});
      if (!buckets.empty()) {
        feeds_.back().pacer = buckets[i];
        feeds_.back().bucket = "rss " + host_port_of(f);
      }
    }
    if (!opts_.newsdata_key.empty()) {
      feeds_.push_back(feed{newsdata_url(opts_.newsdata_url, opts_.newsdata_key,
                                         opts_.newsdata_language),
                            "NewsData.io", {}, true, ""});
      if (opts_.newsdata_calls_per_min > 0) {
        feeds_.back().pacer = std::make_shared<rate_limiter>(
          opts_.newsdata_calls_per_min, 1);
        feeds_.back().bucket = "newsdata";
      }
    }
  }

  std::string name() const override { return "news"; }
  std::vector<std::string> rooms() const override { return {"news.top"}; }

  void write_status(json::writer& w) const override {
    w.key("upstream_limits"); // one entry per bucket
    w.start_array();
    std::vector<const rate_limiter*> seen;
    for (auto& f : feeds_) {
      if (!f.pacer
          || std::find(seen.begin(), seen.end(), f.pacer.get()) != seen.end())
        continue;
      seen.push_back(f.pacer.get());
      write_limit(w, f.bucket, *f.pacer);
    }
    w.end_array();
  }

  void fetch(std::function<void(fetch_result)> done) override {
    if (feeds_.empty())
      return done(failure("news: no feeds configured"));
    auto round = std::make_shared<round_state>();
    round->done = std::move(done);
    std::vector<size_t> calls;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      auto now = monotonic_ms();
      for (size_t i = 0; i < feeds_.size(); ++i) {
        auto& f = feeds_[i];
        if (!f.pacer || f.pacer->try_acquire(now)) {
          calls.push_back(i);
          continue;
        }
        // Out of budget: not called; its last state counts for this round.
        if (f.ever_ok && f.failing.empty())
          ++round->ok;
        else if (round->first_error.empty())
          round->first_error = f.failing.empty()
                                 ? "news: " + f.url_for_log()
                                     + " is rate limited"
                                 : f.failing;
      }
      round->pending = calls.size();
      if (calls.empty())
        return finish_round(round, std::move(guard));
    }
    auto self = shared_from_this();
    for (size_t i : calls) {
      httpc::request req;
      req.url = feeds_[i].url;
      req.headers.emplace_back(
        "Accept", feeds_[i].newsdata
                    ? "application/json"
                    : "application/rss+xml, application/atom+xml, "
                      "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1");
      http_->fetch(std::move(req), [self, round, i](httpc::response res) {
        self->on_feed(round, i, res);
      });
    }
  }

private:
  struct feed {
    std::string url;
    std::string label; // for logs and as the items' fallback source
    std::vector<news_item> last_good;
    bool newsdata = false;
    std::string failing; // the current error ("" while healthy)
    std::shared_ptr<rate_limiter> pacer; // null: no limit
    std::string bucket;                  // its name on /stats
    bool ever_ok = false;
    // Never the NewsData URL: it carries the API key.
    std::string url_for_log() const {
      return newsdata ? std::string{"newsdata.io latest"} : url;
    }
  };

  struct round_state {
    size_t pending = 0;
    size_t ok = 0;
    std::string first_error;
    int64_t retry_after_ms = 0;
    std::function<void(fetch_result)> done;
  };

  void on_feed(const std::shared_ptr<round_state>& round, size_t i,
               const httpc::response& res) {
    auto& f = feeds_[i];
    auto what = f.newsdata ? std::string{"newsdata"} : "feed " + f.label;
    fetch_result check;
    std::vector<news_item> items;
    std::string why;
    bool ok = check_http(what, res, check);
    if (ok) {
      ok = f.newsdata ? parse_newsdata(res.body, items, why)
                      : parse_feed(res.body, f.label, items, why);
      if (!ok)
        check = failure(what + ": " + why);
    }
    if (check.retry_after_ms > 0 && f.pacer) // 429: its budget waits too
      f.pacer->block_until(monotonic_ms() + check.retry_after_ms);
    std::unique_lock<std::mutex> guard{mtx_};
    {
      auto now = now_ms();
      if (ok) {
        for (auto& item : items) { // undated items: when first seen
          auto [it, _] = first_seen_.emplace(link_key(item.url), now);
          if (item.published_at < 0)
            item.published_at = it->second;
        }
        if (!f.failing.empty())
          log::info("news", "feed recovered", {{"feed", f.url_for_log()}});
        f.failing.clear();
        f.ever_ok = true;
        f.last_good = std::move(items);
        ++round->ok;
      } else {
        if (f.failing.empty())
          log::warn("news", "feed failed; keeping its last items",
                    {{"feed", f.url_for_log()}, {"error", check.error}});
        f.failing = check.error;
        if (round->first_error.empty())
          round->first_error = check.error;
        round->retry_after_ms = std::max(round->retry_after_ms,
                                         check.retry_after_ms);
      }
      if (--round->pending > 0)
        return;
    }
    finish_round(round, std::move(guard));
  }

  // The round's result from every feed's latest items, once all its calls
  // are answered; `guard` holds mtx_ and is released before calling back.
  void finish_round(const std::shared_ptr<round_state>& round,
                    std::unique_lock<std::mutex> guard) {
    std::function<void(fetch_result)> done;
    fetch_result r;
    {
      done = std::move(round->done);
      if (round->ok == 0) {
        r = failure(feeds_.size() == 1
                      ? round->first_error
                      : "all " + std::to_string(feeds_.size())
                          + " news feeds failed; first: " + round->first_error);
        r.retry_after_ms = round->retry_after_ms;
      } else {
        std::vector<news_item> all;
        for (auto& fd : feeds_)
          all.insert(all.end(), fd.last_good.begin(), fd.last_good.end());
        r.ok = true;
        r.events.push_back(make_event(
          name(), "news.top", event_kind::snapshot, "",
          news_payload(merge_news(std::move(all), opts_.max_items))));
      }
      if (first_seen_.size() > 10000)
        first_seen_.clear();
    }
    guard.unlock();
    done(std::move(r));
  }

  std::shared_ptr<httpc::client> http_;
  news_options opts_;
  std::mutex mtx_;
  std::vector<feed> feeds_;
  std::map<std::string, int64_t> first_seen_;
};

} // namespace

std::shared_ptr<source> make_news(std::shared_ptr<httpc::client> http,
                                  news_options opts) {
  return std::make_shared<news>(std::move(http), std::move(opts));
}

} // namespace flux::connectors
