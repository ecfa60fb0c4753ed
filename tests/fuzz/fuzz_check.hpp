#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/utf8.hpp"
#include "wire/ws_frame.hpp"

// What every fuzz target asserts besides "no sanitizer report": an invariant
// that fails aborts (libFuzzer then saves the input as a crash), in release
// builds too, so assert() is not used.
#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                   __LINE__, #cond);                                         \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

namespace flux::fuzz {

// Whether `text` is one JSON value as Flux's own untrusted-input parser
// accepts it: whatever Flux builds from an input (frames, answers, records)
// must be.
inline bool is_json(std::string_view text) {
  rapidjson::Document doc;
  std::string why;
  return json::parse(doc, text, why);
}

// Whether `text` may go into a text frame to clients: JSON and UTF-8 (a
// browser fails the whole connection on invalid UTF-8, RFC 6455 8.1).
inline bool is_frame_json(std::string_view text) {
  return flux::valid_utf8(text) && is_json(text);
}

} // namespace flux::fuzz
