#include "domains/bench_source.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <mutex>

#include <unistd.h>

#include "core/process.hpp"

namespace flux::sim {

namespace {

int64_t realtime_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t monotonic_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

class bench : public source {
public:
  explicit bench(bench_options opts)
    : opts_(opts), id_prefix_("bench-" + random_hex(8) + "-") {
    opts_.rooms = std::max<size_t>(opts_.rooms, 1);
    for (size_t i = 0; i < opts_.rooms; ++i)
      rooms_.push_back(bench_room(i));
    // {"seq":N,"t_us":T} is about 40 bytes; pad the rest.
    constexpr size_t base = 40;
    if (opts_.payload_bytes > base + 10)
      pad_.assign(opts_.payload_bytes - base - 10, 'x');
  }

  std::string name() const override { return "sim.bench"; }
  std::vector<std::string> rooms() const override { return rooms_; }

  void fetch(std::function<void(fetch_result)> done) override {
    fetch_result r;
    r.ok = true;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto now = monotonic_us();
      if (start_us_ == 0) {
        if (!opts_.start_file.empty()
            && ::access(opts_.start_file.c_str(), F_OK) != 0) {
          done(std::move(r)); // not yet: wait for the start file
          return;
        }
        start_us_ = now;
      }
      auto elapsed_s = static_cast<double>(now - start_us_) / 1e6;
      auto due = static_cast<uint64_t>(std::floor(elapsed_s * opts_.rate));
      auto cap = static_cast<uint64_t>(
        std::ceil(opts_.rate * static_cast<double>(opts_.max_catch_up_ms)
                  / 1000.0));
      if (due > emitted_ + cap) {
        skipped_ += due - emitted_ - cap; // fell behind: drop the backlog
        emitted_ = due - cap;
      }
      r.events.reserve(static_cast<size_t>(due - emitted_));
      auto ts_ms = now_ms();
      while (emitted_ < due) {
        auto seq = emitted_++;
        auto& room = rooms_[seq % rooms_.size()];
        event e;
        e.id = id_prefix_ + std::to_string(seq);
        e.room = room;
        e.kind = event_kind::update;
        e.key = "tick";
        e.source = "sim.bench";
        e.ts = ts_ms;
        std::string data;
        data.reserve(48 + pad_.size());
        data += "{\"seq\":";
        data += std::to_string(seq);
        data += ",\"t_us\":";
        data += std::to_string(realtime_us());
        if (!pad_.empty()) {
          data += ",\"pad\":\"";
          data += pad_;
          data += '"';
        }
        data += '}';
        e.data = std::move(data);
        r.events.push_back(std::move(e));
      }
    }
    done(std::move(r));
  }

private:
  bench_options opts_;
  std::string id_prefix_;
  std::vector<std::string> rooms_;
  std::string pad_;
  std::mutex mtx_;
  int64_t start_us_ = 0;
  uint64_t emitted_ = 0;
  uint64_t skipped_ = 0;
};

} // namespace

std::string bench_room(size_t i) {
  return "bench." + std::to_string(i);
}

bool is_bench_room(const std::string& room) {
  return room.rfind("bench.", 0) == 0;
}

std::shared_ptr<source> make_bench(bench_options opts) {
  return std::make_shared<bench>(opts);
}

} // namespace flux::sim
