#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>

namespace flux {

// Bounds a stop: if the steps after the stop signal take longer than
// `timeout` (an actor that never ends, a stuck I/O thread), the step they
// hung in is logged with the count of actors still running and the
// process exits with code 3 instead of waiting for a SIGKILL.
class shutdown_watchdog {
public:
  static constexpr int exit_code = 3;

  explicit shutdown_watchdog(std::chrono::milliseconds timeout);
  ~shutdown_watchdog(); // the stop finished in time

  // `sys`: the actor system while it still runs, so that a timeout can say
  // how many actors are left; nullptr once it is being torn down.
  void step(const char* name, caf::actor_system* sys);

private:
  void watch(std::chrono::milliseconds timeout);

  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  const char* step_ = "start";
  caf::actor_system* sys_ = nullptr;
  std::thread thread_; // last: starts once the rest is ready
};

} // namespace flux
