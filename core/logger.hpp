#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

// Structured logging: one JSON object per line on stderr, or a human-readable
// line when configured. CAF's own logging is compiled out in Debian's build,
// so every component logs through this.
namespace flux::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

using field = std::pair<std::string_view, std::string>;

void configure(level min_level, bool human_readable);
bool parse_level(std::string_view text, level& out);
bool enabled(level lvl);

void write(level lvl, std::string_view component, std::string_view message,
           std::initializer_list<field> fields = {});

inline void debug(std::string_view c, std::string_view m,
                  std::initializer_list<field> f = {}) {
  write(level::debug, c, m, f);
}
inline void info(std::string_view c, std::string_view m,
                 std::initializer_list<field> f = {}) {
  write(level::info, c, m, f);
}
inline void warn(std::string_view c, std::string_view m,
                 std::initializer_list<field> f = {}) {
  write(level::warn, c, m, f);
}
inline void error(std::string_view c, std::string_view m,
                  std::initializer_list<field> f = {}) {
  write(level::error, c, m, f);
}

} // namespace flux::log
