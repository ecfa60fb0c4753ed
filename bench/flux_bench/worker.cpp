#include "flux_bench/worker.hpp"

namespace flux_bench {

uint64_t sum_count(const worker_list& workers,
                   std::atomic<uint64_t> worker::*count) {
  uint64_t total = 0;
  for (auto& w : workers)
    total += (w.get()->*count).load(std::memory_order_relaxed);
  return total;
}

worker_pool::worker_pool(size_t threads) {
  for (size_t i = 0; i < threads; ++i)
    workers_.push_back(std::make_unique<worker>());
  for (auto& w : workers_)
    guards_.push_back(asio::make_work_guard(w->ioc));
}

void worker_pool::stop(shared_state& state) {
  state.stopping = true;
  guards_.clear();
  for (auto& w : workers_)
    w->ioc.stop();
  for (auto& w : workers_)
    if (w->thread.joinable())
      w->thread.join();
}

worker_stats worker_pool::totals() const {
  worker_stats total;
  for (auto& w : workers_)
    total.add(w->st);
  return total;
}

} // namespace flux_bench
