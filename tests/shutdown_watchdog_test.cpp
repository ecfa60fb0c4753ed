#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "core/shutdown_watchdog.hpp"

using namespace flux;
using namespace std::chrono_literals;

namespace {

// Runs `body` in a child process; returns its exit status and how long
// it took.
template <class F>
std::pair<int, std::chrono::milliseconds> in_child(F body) {
  auto start = std::chrono::steady_clock::now();
  auto pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    std::_Exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, took};
}

} // namespace

TEST_CASE("a stop that hangs past the shutdown timeout exits with code 3") {
  auto [code, took] = in_child([] {
    shutdown_watchdog w{200ms};
    w.step("end actors", nullptr);
    std::this_thread::sleep_for(5s); // a step that never ends
  });
  CHECK(code == shutdown_watchdog::exit_code);
  CHECK(took >= 200ms);
  CHECK(took < 4s);
}

TEST_CASE("a stop that finishes in time is not cut short") {
  auto [code, took] = in_child([] {
    shutdown_watchdog w{2s};
    w.step("end actors", nullptr);
    std::this_thread::sleep_for(50ms);
  });
  CHECK(code == 0);
  CHECK(took < 2s);
}
