#pragma once

#include <cstddef>
#include <string_view>

namespace flux {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// UTF-16 surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not end
// inside a UTF-8 sequence: client text cut into a reply must stay UTF-8
// (a WebSocket client fails the connection on a text frame that is not).
inline std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes)
    return text;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n; // text[n] continues a sequence that started before the cut
  return text.substr(0, n);
}

} // namespace flux
