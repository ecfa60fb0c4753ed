#include "flux_bench/churn_driver.hpp"

#include <chrono>

#include "flux_bench/client.hpp"
#include "flux_bench/clock.hpp"
#include "flux_bench/run_state.hpp"

namespace flux_bench {

void churn_driver::start() {
  t0 = mono_us();
  tick();
}

void churn_driver::tick() {
  if (!g_state->churning.load(std::memory_order_relaxed))
    return;
  auto elapsed = static_cast<double>(mono_us() - t0) / 1e6;
  auto due = static_cast<uint64_t>(elapsed * rate);
  while (launched < due) {
    ++launched;
    if (w.churn_inflight >= inflight_limit) {
      ++w.st.churn_skipped;
      continue;
    }
    ++w.churn_inflight;
    ++w.st.churn_started;
    auto c = std::make_shared<client>(w, next_index, true);
    next_index += stride;
    c->start();
  }
  timer.expires_after(std::chrono::milliseconds(5));
  timer.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->tick();
  });
}

} // namespace flux_bench
