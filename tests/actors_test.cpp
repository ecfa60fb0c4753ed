// Actor tests on CAF's deterministic test coordinator: messages run only
// when the test calls run(), and time moves only when it says so.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include "actors/node.hpp"
#include "actors/room.hpp"
#include "actors/room_directory.hpp"
#include "actors/session.hpp"
#include "actors/supervisor.hpp"
#include "bus/embedded_bus.hpp"
#include "core/type_ids.hpp"

using namespace flux;

namespace {

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
  }
};

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  void run() { sched.run(); }

  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  template <class State>
  State& state_of(const caf::actor& a) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(a);
    return dynamic_cast<caf::stateful_actor<State>&>(*ptr).state;
  }
};

// Records what a session writes instead of sending it over a network.
struct recording_socket : client_socket {
  std::vector<std::string> writes;
  uint16_t close_code = 0;
  std::string close_reason;
  void write(frame_ptr m) override { writes.push_back(*m); }
  void close(uint16_t code, std::string reason) override {
    close_code = code;
    close_reason = std::move(reason);
  }
  std::string remote() const override { return "test"; }
};

// Collects (frame_atom, pos, frame) messages.
struct probe_state {
  std::vector<std::pair<int64_t, frame_ptr>> frames;
  std::vector<std::string> ready_changes;
};

caf::behavior probe(caf::stateful_actor<probe_state>* self) {
  return {
    [self](atom::frame, int64_t pos, frame_ptr& f, const std::string&) {
      self->state.frames.emplace_back(pos, f);
    },
    [self](atom::join, const caf::actor&, const std::string&,
           const std::string&, int64_t) {},
    [self](atom::ready, const std::string& who, bool ok, const std::string&) {
      self->state.ready_changes.push_back(who + (ok ? ":ok" : ":failed"));
    },
  };
}

event make_event(const std::string& id, const std::string& room,
                 const std::string& data) {
  event e;
  e.id = id;
  e.room = room;
  e.ts = 1;
  e.data = data;
  return e;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a room shares one serialized frame with all "
                           "subscribers") {
  auto r = sys.spawn(room, std::string{"r"}, room_class::snapshot,
                     room_options{});
  auto a = sys.spawn(probe);
  auto b = sys.spawn(probe);
  caf::anon_send(r, atom::subscribe_v, a, std::string{}, int64_t{-1}, false);
  caf::anon_send(r, atom::subscribe_v, b, std::string{}, int64_t{-1}, false);
  caf::anon_send(r, atom::deliver_v, make_event("e1", "r", "{\"v\":1}"),
                 std::string{"E"}, int64_t{3});
  caf::anon_send(r, atom::deliver_v, make_event("e1", "r", "{\"v\":1}"),
                 std::string{"E"}, int64_t{4}); // duplicate id
  run();
  auto& fa = state_of<probe_state>(a).frames;
  auto& fb = state_of<probe_state>(b).frames;
  REQUIRE(fa.size() == 1);
  REQUIRE(fb.size() == 1);
  CHECK(fa[0].first == 3);
  CHECK(fa[0].second.get() == fb[0].second.get());
  CHECK(state_of<room_state>(r).core->duplicates() == 1);
  // A subscriber that goes away is dropped from the room.
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
  CHECK(state_of<room_state>(r).subscribers.size() == 1);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "bus, directory, room and session deliver a "
                           "snapshot, then events, one write at a time") {
  auto node_probe = sys.spawn(probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  directory_options dopts;
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{{"r"}}, dopts,
                       bus, node_probe);
  run();
  caf::anon_send(bus, atom::publish_v, make_event("e1", "r", "{\"v\":1}"));
  run();
  auto sock = std::make_shared<recording_socket>();
  auto s = sys.spawn(session, std::string{"s-1"}, sock, dir, node_probe,
                     session_options{});
  run();
  REQUIRE(sock->writes.size() == 1);
  CHECK(sock->writes[0].find("\"hello\"") != std::string::npos);
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"r","id":1})"});
  caf::anon_send(s, atom::client_text_v, std::string{"garbage"});
  run();
  // Still only the hello: the first write has not completed yet.
  CHECK(sock->writes.size() == 1);
  caf::anon_send(s, atom::write_done_v);
  run();
  REQUIRE(sock->writes.size() == 2);
  auto& batch = sock->writes[1];
  CHECK(batch.front() == '[');
  CHECK(batch.find("\"bad_json\"") != std::string::npos);
  CHECK(batch.find("\"subscribed\"") != std::string::npos);
  CHECK(batch.find("\"snapshot\"") != std::string::npos);
  CHECK(batch.find("{\"v\":1}") != std::string::npos);
  // A live event follows after the write completes.
  caf::anon_send(bus, atom::publish_v, make_event("e2", "r", "{\"v\":2}"));
  run();
  CHECK(sock->writes.size() == 2);
  caf::anon_send(s, atom::write_done_v);
  run();
  REQUIRE(sock->writes.size() == 3);
  CHECK(sock->writes[2].find("{\"v\":2}") != std::string::npos);
  CHECK(sock->writes[2].find("\"pos\":1") != std::string::npos);
  // Unknown rooms get an error frame.
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"nope","id":2})"});
  caf::anon_send(s, atom::write_done_v);
  run();
  REQUIRE(sock->writes.size() == 4);
  CHECK(sock->writes[3].find("\"unknown_room\"") != std::string::npos);
  CHECK(state_of<room_directory_state>(dir).delivered == 2);
  for (auto& a : {s, dir, bus, node_probe})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "a client that cannot keep up is closed with "
                           "4008 instead of growing memory") {
  auto node_probe = sys.spawn(probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{{"r"}},
                       directory_options{}, bus, node_probe);
  auto sock = std::make_shared<recording_socket>();
  session_options sopts;
  sopts.queue_budget = 8192;
  auto s = sys.spawn(session, std::string{"s-1"}, sock, dir, node_probe,
                     sopts);
  run();
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"r"})"});
  run();
  std::string big = "\"" + std::string(1000, 'x') + "\"";
  for (int i = 0; i < 20; ++i) // never acknowledge writes: a stuck client
    caf::anon_send(bus, atom::publish_v,
                   make_event("e" + std::to_string(i), "r", big));
  run();
  CHECK(sock->close_code == close_code::slow_consumer);
  CHECK(sock->close_reason.find("slow consumer") != std::string::npos);
  for (auto& a : {dir, bus, node_probe})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "malformed records are skipped and counted") {
  auto node_probe = sys.spawn(probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{},
                       directory_options{}, bus, node_probe);
  run();
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{0}, std::string{"{not json"});
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{1}, encode_event(make_event("ok", "custom.room", "1")));
  run();
  auto& st = state_of<room_directory_state>(dir);
  CHECK(st.malformed == 1);
  CHECK(st.delivered == 1);
  CHECK(st.rooms.count("custom.room") == 1); // created on demand
  for (auto& a : {dir, bus, node_probe})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}

namespace {

struct crasher_state {
  static inline const char* name = "crasher";
};

caf::behavior crasher(caf::stateful_actor<crasher_state>* self) {
  return {
    [self](atom::tick) { self->quit(caf::sec::runtime_error); },
  };
}

} // namespace

TEST_CASE_FIXTURE(fixture, "the supervisor restarts a crashed child after a "
                           "backoff and gives up past the intensity limit") {
  auto node_probe = sys.spawn(probe);
  restart_limits limits;
  limits.initial_backoff = std::chrono::milliseconds{100};
  limits.max_restarts = 2;
  std::vector<child_spec> specs{
    {"c", "test", [](caf::event_based_actor* self) {
       return self->spawn(crasher);
     }}};
  auto sup = sys.spawn(supervisor, std::string{"s"}, specs, limits,
                       node_probe);
  run();
  auto& st = state_of<supervisor_state>(sup);
  auto first = st.children.at("c").handle;
  REQUIRE(first);
  caf::anon_send(first, atom::tick_v);
  run();
  CHECK(st.children.at("c").state == "restarting");
  CHECK_FALSE(st.children.at("c").handle);
  advance(std::chrono::milliseconds{200}); // past the backoff (with jitter)
  CHECK(st.children.at("c").state == "running");
  auto second = st.children.at("c").handle;
  REQUIRE(second);
  CHECK(second != first);
  CHECK(st.children.at("c").policy.total_restarts() == 1);
  caf::anon_send(second, atom::tick_v);
  run();
  advance(std::chrono::milliseconds{500});
  CHECK(st.children.at("c").policy.total_restarts() == 2);
  caf::anon_send(st.children.at("c").handle, atom::tick_v);
  run();
  CHECK(st.children.at("c").state == "failed");
  auto& changes = state_of<probe_state>(node_probe).ready_changes;
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] == "c:failed");
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node_probe, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "a slow client gets ticker updates conflated to the "
                           "latest value per key before it is cut off") {
  auto node_probe = sys.spawn(probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  auto dir = sys.spawn(room_directory,
                       std::vector<room_decl>{{"t", room_class::stream}},
                       directory_options{}, bus, node_probe);
  auto sock = std::make_shared<recording_socket>();
  session_options sopts;
  sopts.queue_budget = 8192;
  auto s = sys.spawn(session, std::string{"s-1"}, sock, dir, node_probe,
                     sopts);
  run();
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"t"})"});
  run();
  auto tick = [&](int i, const std::string& key) {
    event e;
    e.id = "e" + std::to_string(i);
    e.room = "t";
    e.kind = event_kind::update;
    e.key = key;
    e.ts = 1;
    e.data = "{\"i\":" + std::to_string(i) + ",\"pad\":\""
             + std::string(400, 'x') + "\"}";
    caf::anon_send(bus, atom::publish_v, e);
  };
  // Far more than the budget, on two keys, while no write completes.
  for (int i = 0; i < 200; ++i)
    tick(i, i % 2 == 0 ? "BTC" : "ETH");
  run();
  CHECK(sock->close_code == 0); // not cut off: conflated instead
  auto& st = state_of<session_state>(s);
  CHECK(st.conflated.size() == 2);
  CHECK(st.conflated_drops > 150);
  CHECK(st.queue.bytes() <= sopts.queue_budget);
  // The client catches up: it gets the latest value of each key last.
  for (int i = 0; i < 50 && (!st.queue.empty() || !st.conflated.empty());
       ++i) {
    caf::anon_send(s, atom::write_done_v);
    run();
  }
  CHECK(st.conflated.empty());
  CHECK(st.queue.empty());
  std::string all;
  for (auto& w : sock->writes)
    all += w;
  CHECK(all.find("\"i\":198,") != std::string::npos);
  CHECK(all.find("\"i\":199,") != std::string::npos);
  CHECK(all.rfind("\"i\":199,") > all.rfind("\"i\":0,"));
  CHECK(all.find("\"i\":100,") == std::string::npos); // conflated away
  for (auto& a : {s, dir, bus, node_probe})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}

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
  caf::anon_send(n, atom::ready_v, std::string{"kafka"}, false,
                 std::string{"kafka: broker down"}, true);
  run();
  ask();
  CHECK(!ok);
  CHECK(state == "degraded");
  CHECK(problems == "{\"kafka\":\"kafka: broker down\"}");
  // A failed supervised child on top: not ready.
  caf::anon_send(n, atom::ready_v, std::string{"domains.x"}, false,
                 std::string{"failed: boom"});
  run();
  ask();
  CHECK(state == "not_ready");
  caf::anon_send(n, atom::ready_v, std::string{"domains.x"}, true,
                 std::string{});
  run();
  ask();
  CHECK(state == "degraded");
  // The same component turning into a non-serving problem: not ready.
  caf::anon_send(n, atom::ready_v, std::string{"kafka"}, false,
                 std::string{"kafka: refused"}, false);
  run();
  ask();
  CHECK(state == "not_ready");
  caf::anon_send(n, atom::ready_v, std::string{"kafka"}, true, std::string{},
                 false);
  run();
  ask();
  CHECK(ok);
  CHECK(state == "ok");
  CHECK(state_of<node_state>(n).serving.empty());
  caf::anon_send_exit(n, caf::exit_reason::user_shutdown);
  run();
}
