// The supervisor: restarts after a backoff, gives up past the limit.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "actor_test_support.hpp"
#include "runtime/supervisor.hpp"

using namespace flux;
using namespace flux::tests;

namespace {

struct crasher_state {
  static inline const char* name = "crasher";
};

caf::behavior crasher(caf::stateful_actor<crasher_state>* self) {
  return {
    [self](atom::tick) { self->quit(caf::sec::runtime_error); },
    [](atom::status) { return std::string{"{}"}; },
  };
}

// Makes a crasher (held as a status_actor, as a supervisor holds it) crash.
void crash(const status_actor& child) {
  caf::anon_send(caf::actor_cast<caf::actor>(child), atom::tick_v);
}

} // namespace

TEST_CASE_FIXTURE(fixture, "the supervisor restarts a crashed child after a "
                           "backoff and gives up past the intensity limit") {
  auto node_probe = sys.spawn(probe);
  restart_limits limits;
  limits.initial_backoff = std::chrono::milliseconds{100};
  limits.max_restarts = 2;
  std::vector<child_spec> specs{
    {"c", "test", [](caf::local_actor* parent) {
       return caf::actor_cast<status_actor>(parent->spawn(crasher));
     }}};
  auto sup = sys.spawn(supervisor, std::string{"s"}, specs, limits,
                       caf::actor_cast<node_actor>(node_probe));
  run();
  auto& st = state_of<supervisor_state>(sup);
  auto first = st.children.at("c").handle;
  REQUIRE(first);
  crash(first);
  run();
  CHECK(st.children.at("c").state == "restarting");
  CHECK_FALSE(st.children.at("c").handle);
  advance(std::chrono::milliseconds{200}); // past the backoff (with jitter)
  CHECK(st.children.at("c").state == "running");
  auto second = st.children.at("c").handle;
  REQUIRE(second);
  CHECK(second != first);
  CHECK(st.children.at("c").policy.total_restarts() == 1);
  crash(second);
  run();
  advance(std::chrono::milliseconds{500});
  CHECK(st.children.at("c").policy.total_restarts() == 2);
  crash(st.children.at("c").handle);
  run();
  CHECK(st.children.at("c").state == "failed");
  auto& changes = state_of<probe_state>(node_probe).ready_changes;
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] == "c:failed");
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node_probe, caf::exit_reason::user_shutdown);
  run();
}
