#include "domains/news_feeds.hpp"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>

#include <expat.h>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "domains/connector_util.hpp"
#include "domains/newsdata.hpp"

namespace flux::connectors {

std::string clean_text(const std::string& text) {
  std::string out;
  bool in_tag = false;
  bool space = false;
  for (char c : text) {
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (in_tag) {
      if (c == '>')
        in_tag = false;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += c;
  }
  // Common entities left over in double-escaped titles.
  static const std::pair<const char*, const char*> entities[]
    = {{"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"},
       {"&lt;", "<"},  {"&gt;", ">"},    {"&nbsp;", " "}};
  for (auto& [from, to] : entities) {
    size_t pos = 0;
    while ((pos = out.find(from, pos)) != std::string::npos) {
      out.replace(pos, std::strlen(from), to);
      pos += std::strlen(to);
    }
  }
  return out;
}

namespace {

// Local name of a possibly prefixed element ("dc:date" -> "date").
std::string local(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? colon + 1 : name;
}

struct feed_parser {
  XML_Parser parser = nullptr;
  bool refused_entity = false;      // the feed declared an entity
  std::vector<std::string> stack;   // element local names
  std::vector<std::string> text;    // character data per open element
  std::string root;
  std::string feed_title;
  bool in_item = false;
  size_t item_depth = 0;
  news_item cur;
  std::string cur_guid;
  bool guid_is_link = false;
  std::string atom_link;   // rel=alternate (or no rel)
  std::vector<news_item> items;

  void start(const char* name, const char** attrs) {
    auto n = local(name);
    if (stack.empty())
      root = n;
    stack.push_back(n);
    text.emplace_back();
    if (!in_item && (n == "item" || n == "entry")) {
      in_item = true;
      item_depth = stack.size();
      cur = news_item{};
      cur_guid.clear();
      guid_is_link = false;
      atom_link.clear();
      return;
    }
    if (in_item && n == "link") {
      std::string href, rel;
      for (size_t i = 0; attrs[i]; i += 2) {
        if (std::strcmp(attrs[i], "href") == 0)
          href = attrs[i + 1];
        else if (std::strcmp(attrs[i], "rel") == 0)
          rel = attrs[i + 1];
      }
      if (!href.empty() && (rel.empty() || rel == "alternate")
          && atom_link.empty())
        atom_link = href;
    }
    if (in_item && n == "guid") {
      guid_is_link = true; // RSS: isPermaLink defaults to true
      for (size_t i = 0; attrs[i]; i += 2)
        if (std::strcmp(attrs[i], "isPermaLink") == 0)
          guid_is_link = std::strcmp(attrs[i + 1], "false") != 0;
    }
  }

  void end() {
    auto n = stack.back();
    auto t = text.back();
    stack.pop_back();
    text.pop_back();
    auto trimmed = clean_text(t);
    if (in_item && stack.size() + 1 == item_depth) {
      in_item = false;
      if (cur.url.empty())
        cur.url = atom_link;
      if (cur.url.empty() && guid_is_link
          && cur_guid.rfind("http", 0) == 0)
        cur.url = cur_guid;
      if (!cur.url.empty() && !cur.title.empty())
        items.push_back(cur);
      return;
    }
    if (in_item && stack.size() == item_depth) { // direct child of the item
      if (n == "title")
        cur.title = trimmed;
      else if (n == "link" && !trimmed.empty())
        cur.url = trimmed;
      else if (n == "guid" || n == "id")
        cur_guid = trimmed;
      else if (n == "pubDate") {
        auto ms = parse_rfc822(trimmed);
        if (ms < 0)
          ms = parse_iso8601(trimmed);
        if (ms > 0)
          cur.published_at = ms;
      } else if (n == "published" || n == "updated" || n == "date"
                 || n == "issued") {
        auto ms = parse_iso8601(trimmed);
        // <published> wins over <updated>.
        if (ms > 0 && (cur.published_at < 0 || n == "published"))
          cur.published_at = ms;
      }
      return;
    }
    // The channel's or feed's own title.
    if (!in_item && n == "title" && feed_title.empty()
        && (stack.size() == 1 || (stack.size() == 2 && stack[1] == "channel")))
      feed_title = trimmed;
  }
};

} // namespace

bool parse_feed(const std::string& xml, const std::string& fallback_source,
                std::vector<news_item>& out, std::string& why) {
  if (xml.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    why = "feed larger than 2 GiB";
    return false;
  }
  feed_parser fp;
  XML_Parser p = XML_ParserCreate(nullptr);
  if (!p) {
    why = "cannot create an XML parser";
    return false;
  }
  fp.parser = p;
  XML_SetUserData(p, &fp);
  // No feed needs its own entities, and declaring them is how billion
  // laughs (expansion) and XXE (external entities) start: refuse any
  // declaration, internal or external, general or parameter.
  XML_SetEntityDeclHandler(
    p, [](void* ud, const XML_Char*, int, const XML_Char*, int,
          const XML_Char*, const XML_Char*, const XML_Char*,
          const XML_Char*) {
      auto* fp = static_cast<feed_parser*>(ud);
      fp->refused_entity = true;
      XML_StopParser(fp->parser, XML_FALSE);
    });
  XML_SetElementHandler(
    p,
    [](void* ud, const XML_Char* name, const XML_Char** attrs) {
      static_cast<feed_parser*>(ud)->start(name, attrs);
    },
    [](void* ud, const XML_Char*) { static_cast<feed_parser*>(ud)->end(); });
  XML_SetCharacterDataHandler(p, [](void* ud, const XML_Char* s, int len) {
    auto* fp = static_cast<feed_parser*>(ud);
    if (!fp->text.empty())
      fp->text.back().append(s, static_cast<size_t>(len));
  });
  // External entities and DTDs are never loaded either (no handler is set).
  auto ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1);
  if (fp.refused_entity) {
    why = "the feed declares an XML entity (refused: entity expansion and "
          "external entities are not allowed) at line "
          + std::to_string(XML_GetCurrentLineNumber(p));
    XML_ParserFree(p);
    return false;
  }
  if (ok == XML_STATUS_ERROR) {
    why = "invalid XML at line " + std::to_string(XML_GetCurrentLineNumber(p))
          + ": " + XML_ErrorString(XML_GetErrorCode(p));
    XML_ParserFree(p);
    return false;
  }
  XML_ParserFree(p);
  if (fp.root != "rss" && fp.root != "feed" && fp.root != "RDF") {
    why = "not an RSS or Atom feed (root element '" + fp.root + "')";
    return false;
  }
  auto src = fp.feed_title.empty() ? fallback_source : fp.feed_title;
  for (auto& item : fp.items) {
    item.source = src;
    out.push_back(std::move(item));
  }
  return true;
}

namespace {

std::string link_key(std::string url) {
  if (auto hash = url.find('#'); hash != std::string::npos)
    url.resize(hash);
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  auto sep = url.find("://");
  if (sep != std::string::npos) { // scheme and host are case-insensitive
    auto host_end = url.find('/', sep + 3);
    std::transform(url.begin(),
                   host_end == std::string::npos ? url.end()
                                                 : url.begin() + host_end,
                   url.begin(), [](unsigned char c) { return std::tolower(c); });
    if (url.rfind("http://", 0) == 0)
      url = "https://" + url.substr(7);
  }
  return url;
}

} // namespace

std::vector<news_item> merge_news(std::vector<news_item> items, size_t limit) {
  std::stable_sort(items.begin(), items.end(), [](auto& a, auto& b) {
    return a.published_at > b.published_at;
  });
  std::vector<news_item> out;
  std::map<std::string, bool> seen;
  for (auto& item : items) {
    auto key = link_key(item.url);
    if (!seen.emplace(key, true).second)
      continue;
    item.id = "n-" + fnv1a_hex(key).substr(0, 12);
    out.push_back(std::move(item));
    if (out.size() >= limit)
      break;
  }
  return out;
}

std::string news_payload(const std::vector<news_item>& items) {
  json::writer w;
  w.start_object();
  w.key("items");
  w.start_array();
  for (auto& item : items) {
    w.start_object();
    w.kv("id", item.id);
    w.kv("title", item.title);
    w.kv("source", item.source);
    w.kv("url", item.url);
    w.kv("published_at", item.published_at);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

namespace {

int64_t mono_ms() { // for the token buckets
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

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
      auto now = mono_ms();
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
      f.pacer->block_until(mono_ms() + check.retry_after_ms);
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
