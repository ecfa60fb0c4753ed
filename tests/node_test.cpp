// The node actor: readiness from its members, and shutdown of late
// joiners.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "actor_test_support.hpp"
#include "runtime/node.hpp"

using namespace flux;
using namespace flux::tests;

TEST_CASE_FIXTURE(fixture, "the node is ok, degraded while a serving "
                           "component is unhealthy, not ready otherwise") {
  auto n = sys.spawn(node);
  run();
  std::string state;
  std::string problems;
  bool ok = false;
  auto ask = [&] {
    auto client = sys.spawn([&](caf::event_based_actor* self) {
      self->request(n, caf::infinite, atom::ready_v)
        .then([&](bool r, const std::string& p, const std::string& s) {
          ok = r;
          problems = p;
          state = s;
        });
    });
    run();
  };
  ask();
  CHECK(ok);
  CHECK(state == "ok");
  CHECK(problems == "{}");
  caf::anon_send(n, atom::health_v, std::string{"kafka"}, false,
                 std::string{"kafka: broker down"}, true);
  run();
  ask();
  CHECK(!ok);
  CHECK(state == "degraded");
  CHECK(problems == "{\"kafka\":\"kafka: broker down\"}");
  // A failed supervised child on top: not ready.
  caf::anon_send(n, atom::health_v, std::string{"domains.x"}, false,
                 std::string{"failed: boom"}, false);
  run();
  ask();
  CHECK(state == "not_ready");
  caf::anon_send(n, atom::health_v, std::string{"domains.x"}, true,
                 std::string{}, false);
  run();
  ask();
  CHECK(state == "degraded");
  // The same component turning into a non-serving problem: not ready.
  caf::anon_send(n, atom::health_v, std::string{"kafka"}, false,
                 std::string{"kafka: refused"}, false);
  run();
  ask();
  CHECK(state == "not_ready");
  caf::anon_send(n, atom::health_v, std::string{"kafka"}, true, std::string{},
                 false);
  run();
  ask();
  CHECK(ok);
  CHECK(state == "ok");
  CHECK(state_of<node_state>(n).serving.empty());
  caf::anon_send_exit(n, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "members that join once shutdown began are ended "
                           "too, so the process never waits for them") {
  auto n = sys.spawn(node);
  run();
  caf::anon_send(n, atom::shutdown_v);
  run();
  // A room the directory restarted, and a session whose upgrade was under
  // way, join after the node told every member to end.
  bool room_down = false;
  std::string told;
  auto room = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {}};
  });
  auto session = sys.spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](atom::close, uint16_t code, const std::string& reason) {
      told = std::to_string(code) + " " + reason;
    }};
  });
  auto watcher = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(room);
    self->set_down_handler([&](caf::down_msg&) { room_down = true; });
    return {[](int) {}};
  });
  run();
  caf::anon_send(n, atom::join_v, caf::actor_cast<status_actor>(room),
                 std::string{"room"}, std::string{"room t"}, int64_t{1});
  caf::anon_send(n, atom::join_v, caf::actor_cast<session_actor>(session),
                 std::string{"s-1"});
  run();
  CHECK(room_down);
  CHECK(told == "1001 server shutting down");
  end_all(n, session, watcher);
  run();
}
