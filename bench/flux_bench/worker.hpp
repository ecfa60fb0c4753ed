#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "flux_bench/net.hpp"
#include "flux_bench/run_state.hpp"
#include "flux_bench/worker_stats.hpp"

namespace flux_bench {

class client;

// One I/O thread and its clients. Its state is its thread's alone, but for
// the atomic counts the main thread polls.
struct worker {
  asio::io_context ioc{1};
  std::vector<std::shared_ptr<client>> clients; // stream/idle: kept alive
  std::deque<size_t> pending;                   // client indexes to start
  size_t inflight_connects = 0;
  std::atomic<size_t> churn_inflight{0}; // written by this worker only
  worker_stats st;
  std::atomic<uint64_t> ready_count{0};
  std::atomic<uint64_t> failed_count{0};
  std::atomic<uint64_t> connected_count{0};
  std::thread thread;
};

using worker_list = std::vector<std::unique_ptr<worker>>;

// The sum of one of the polled counts over the workers.
uint64_t sum_count(const worker_list& workers,
                   std::atomic<uint64_t> worker::*count);

// The workers of a run; their io_contexts run until stop().
class worker_pool {
public:
  explicit worker_pool(size_t threads);

  worker_list& workers() { return workers_; }

  // Stops and joins the I/O threads (state.stopping first, so that no
  // client starts meanwhile): after it, their state is the caller's alone.
  void stop(shared_state& state);

  // The stats of every worker, summed (after stop()).
  worker_stats totals() const;

private:
  worker_list workers_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
    guards_;
};

} // namespace flux_bench
