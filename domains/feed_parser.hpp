#pragma once

#include <string>
#include <vector>

#include "domains/news_payload.hpp"

// RSS 2.0 (also RSS 1.0/RDF) and Atom documents, parsed with Expat, as news
// items. Entity declarations are refused (entity expansion, XXE).
namespace flux::connectors {

// Parses an RSS or Atom document. `fallback_source` names items when the
// feed has no title. False with `why` for invalid XML or another format.
bool parse_feed(const std::string& xml, const std::string& fallback_source,
                std::vector<news_item>& out, std::string& why);

// Removes markup from a title and collapses white space.
std::string clean_text(const std::string& text);

} // namespace flux::connectors
