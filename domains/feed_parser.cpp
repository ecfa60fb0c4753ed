#include "domains/feed_parser.hpp"

#include <cctype>
#include <cstring>
#include <limits>

#include <expat.h>

#include "domains/connector_util.hpp"

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

} // namespace flux::connectors
