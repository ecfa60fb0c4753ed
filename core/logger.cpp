#include "core/logger.hpp"

#include "core/json.hpp"
#include "core/process.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace flux::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};
std::atomic<bool> human{false};
std::mutex out_mutex;

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

} // namespace

void configure(level lvl, bool human_readable) {
  min_level = static_cast<int>(lvl);
  human = human_readable;
}

bool parse_level(std::string_view text, level& out) {
  if (text == "debug") out = level::debug;
  else if (text == "info") out = level::info;
  else if (text == "warn") out = level::warn;
  else if (text == "error") out = level::error;
  else return false;
  return true;
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= min_level.load(std::memory_order_relaxed);
}

void write(level lvl, std::string_view component, std::string_view message,
           std::initializer_list<field> fields) {
  if (!enabled(lvl))
    return;
  std::string line;
  if (human) {
    line = iso8601_now();
    line += ' ';
    line += level_name(lvl);
    line += " [";
    line += component;
    line += "] ";
    line += message;
    for (auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      line += v;
    }
  } else {
    json::writer w;
    w.start_object();
    w.kv("ts", iso8601_now());
    w.kv("level", level_name(lvl));
    w.kv("component", component);
    w.kv("msg", message);
    for (auto& [k, v] : fields)
      w.kv(k, v);
    w.end_object();
    line = w.take();
  }
  line += '\n';
  std::lock_guard<std::mutex> guard{out_mutex};
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace flux::log
