#include "core/shutdown_watchdog.hpp"

#include <cstdlib>
#include <string>

#include <caf/actor_registry.hpp>

#include "core/logger.hpp"

namespace flux {

shutdown_watchdog::shutdown_watchdog(std::chrono::milliseconds timeout)
  : thread_([this, timeout] { watch(timeout); }) {
}

shutdown_watchdog::~shutdown_watchdog() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void shutdown_watchdog::step(const char* name, caf::actor_system* sys) {
  std::lock_guard<std::mutex> guard{mutex_};
  step_ = name;
  sys_ = sys;
}

void shutdown_watchdog::watch(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  if (cv_.wait_for(lock, timeout, [this] { return done_; }))
    return;
  log::error("node", "shutdown did not finish in time; exiting",
             {{"step", step_},
              {"timeout_ms", std::to_string(timeout.count())},
              {"running_actors",
               sys_ ? std::to_string(sys_->registry().running()) : "?"}});
  std::_Exit(exit_code);
}

} // namespace flux
