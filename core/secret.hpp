#pragma once

#include <cstddef>
#include <string_view>

namespace flux {

// Compares a presented secret with the expected one in time that depends
// only on the expected secret's length, never on where they differ: tokens
// must not be guessable byte by byte from response times.
inline bool same_secret(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    auto a = i < presented.size() ? presented[i] : '\0';
    diff |= static_cast<unsigned char>(a ^ expected[i]);
  }
  return diff == 0;
}

} // namespace flux
