// Actor tests on CAF's deterministic test coordinator: messages run only
// when the test calls run(), and time moves only when it says so.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include <caf/all.hpp>
#include <rapidjson/document.h>

#include "bus/embedded_bus.hpp"
#include "core/type_ids.hpp"
#include "domains/poller.hpp"
#include "rooms/room.hpp"
#include "rooms/room_directory.hpp"
#include "runtime/node.hpp"
#include "runtime/supervisor.hpp"
#include "sessions/session.hpp"

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

// Records what a session writes instead of sending it over a network. A
// write starts as the real socket's would and stays in progress until the
// test calls complete_write(): a test that never does plays a stuck client.
struct recording_socket : client_socket {
  std::vector<std::string> writes;
  uint16_t close_code = 0;
  std::string close_reason;
  bool writing = false;
  caf::actor session; // told when the queue drains, if it asked
  uint64_t drained_notices = 0;

  // The write in progress completes; the next batch (if any) starts.
  void complete_write() {
    writing = false;
    write_next();
  }
  void close(uint16_t code, std::string reason, frame_ptr last) override {
    if (last)
      writes.push_back(*last);
    close_code = code;
    close_reason = std::move(reason);
  }
  std::string remote() const override { return "test"; }

private:
  void write_next() {
    if (auto m = next_write()) {
      writes.push_back(*m);
      writing = true;
    }
  }
  void start_writer() override { write_next(); }
  void notify_drained() override {
    ++drained_notices;
    if (session)
      caf::anon_send(session, atom::write_done_v);
  }
};

// Collects (frame_atom, room_burst) messages.
struct probe_state {
  std::vector<std::pair<int64_t, frame_ptr>> frames;
  size_t messages = 0; // frame messages, each one burst
  std::vector<std::string> ready_changes;
};

caf::behavior probe(caf::stateful_actor<probe_state>* self) {
  return {
    [self](atom::frame, const room_burst& burst) {
      ++self->state.messages;
      for (auto& f : burst.frames)
        self->state.frames.emplace_back(f.pos, f.frame);
    },
    [self](atom::join, const caf::actor&, const std::string&,
           const std::string&, int64_t) {},
    [self](atom::ready, const std::string& who, bool ok, const std::string&) {
      self->state.ready_changes.push_back(who + (ok ? ":ok" : ":failed"));
    },
  };
}

// Bus, directory with the stream room "t", and one session over a
// recording socket (8 KB queue budget), subscribed to "t".
struct subscribed_session {
  caf::actor node_probe;
  caf::actor bus;
  caf::actor dir;
  std::shared_ptr<recording_socket> sock;
  session_options sopts;
  caf::actor s;

  template <class Fixture>
  explicit subscribed_session(Fixture& f)
    : sys_(f.sys), run_([&f] { f.run(); }) {
    node_probe = sys_.spawn(probe);
    bus = sys_.spawn(bus::embedded_bus, bus::embedded_bus_options{});
    sopts.queue_budget_bytes = 8192;
    directory_options dopts; // snapshot pieces fit the budget (as in main)
    dopts.room.snapshot_piece_bytes = sopts.queue_budget_bytes / 4;
    dir = sys_.spawn(room_directory,
                     std::vector<room_decl>{{"t", room_class::stream}},
                     dopts, bus, node_probe);
    sock = std::make_shared<recording_socket>();
    s = sys_.spawn(session, std::string{"s-1"}, sock, dir, node_probe, sopts);
    sock->session = s;
    run_();
    caf::anon_send(s, atom::client_text_v,
                   std::string{R"({"op":"subscribe","room":"t"})"});
    run_();
  }

  // Publishes update number `i` of `key`: {"i":i,"pad":"x…"}.
  void publish_update(int i, const std::string& key, size_t pad) {
    event e;
    e.id = "e" + std::to_string(i);
    e.room = "t";
    e.kind = event_kind::update;
    e.key = key;
    e.ts = 1;
    e.data = "{\"i\":" + std::to_string(i) + ",\"pad\":\""
             + std::string(pad, 'x') + "\"}";
    caf::anon_send(bus, atom::publish_v, e);
  }

  // A second client's session on the same directory, started and idle.
  caf::actor another_session(const std::shared_ptr<recording_socket>& sock) {
    auto s2 = sys_.spawn(session, std::string{"s-2"}, sock, dir, node_probe,
                         sopts);
    sock->session = s2;
    run_();
    return s2;
  }

  void stop() {
    for (auto& a : {s, dir, bus, node_probe})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run_();
  }

private:
  caf::actor_system& sys_;
  std::function<void()> run_;
};

event make_event(const std::string& id, const std::string& room,
                 const std::string& data) {
  event e;
  e.id = id;
  e.room = room;
  e.ts = 1;
  e.data = data;
  return e;
}

// A source whose fetches end only when the test says so.
struct held_source : source {
  std::string name_ = "held";
  std::vector<std::function<void(fetch_result)>> pending;
  int fetches = 0;
  std::string name() const override { return name_; }
  std::vector<std::string> rooms() const override { return {"held.room"}; }
  void fetch(std::function<void(fetch_result)> done) override {
    ++fetches;
    pending.push_back(std::move(done));
  }
};

caf::behavior null_bus(caf::stateful_actor<probe_state>*) {
  return {[](atom::publish, event&) {}};
}

fetch_result ok_result(const std::string& data) {
  fetch_result r;
  r.ok = true;
  r.events.push_back(make_event("e-" + data, "held.room", data));
  r.events.back().kind = event_kind::snapshot;
  return r;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a timed-out fetch stays in flight until its "
                           "source answers; the late answer is dropped") {
  auto src = std::make_shared<held_source>();
  auto bus = sys.spawn(null_bus);
  poller_options o;
  o.interval = std::chrono::milliseconds{100};
  o.timeout = std::chrono::milliseconds{500};
  o.max_backoff = std::chrono::milliseconds{200};
  o.breaker.failure_threshold = 0;
  auto p = sys.spawn(poller, std::shared_ptr<source>{src}, bus, o);
  run();
  advance(std::chrono::milliseconds{1});
  REQUIRE(src->fetches == 1);
  advance(std::chrono::milliseconds{500}); // the poller's timeout
  auto& st = state_of<poller_state>(p);
  CHECK(st.timeouts == 1);
  CHECK(st.stale);
  CHECK(st.in_flight);
  // Past the backoff (wall clock) and many intervals: the request may still
  // run upstream, so no second one starts.
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  for (int i = 0; i < 20; ++i)
    advance(std::chrono::milliseconds{100});
  CHECK(src->fetches == 1);
  CHECK(st.skipped > 0);
  // The late answer: counted and dropped (the failure is already counted).
  src->pending.at(0)(ok_result("{\"v\":1}"));
  run();
  CHECK(st.late == 1);
  CHECK_FALSE(st.in_flight);
  CHECK(st.published == 0);
  CHECK(st.stale);
  // Now the next tick fetches again, and an answer in time counts.
  std::this_thread::sleep_for(std::chrono::milliseconds{250});
  for (int i = 0; i < 5 && src->fetches == 1; ++i)
    advance(std::chrono::milliseconds{100});
  REQUIRE(src->fetches == 2);
  src->pending.at(1)(ok_result("{\"v\":2}"));
  run();
  CHECK(st.published == 1);
  CHECK_FALSE(st.stale);
  CHECK(st.late == 1);
  for (auto& a : {p, bus})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "pollers sharing a host's bucket share its budget") {
  auto a = std::make_shared<held_source>();
  auto b = std::make_shared<held_source>();
  a->name_ = "a";
  b->name_ = "b";
  auto bus = sys.spawn(null_bus);
  poller_options o;
  o.interval = std::chrono::milliseconds{10};
  o.pacer = std::make_shared<rate_limiter>(6, 2); // 2 at once, then 1 / 10 s
  o.pacer_key = "host";
  auto pa = sys.spawn(poller, std::shared_ptr<source>{a}, bus, o);
  auto pb = sys.spawn(poller, std::shared_ptr<source>{b}, bus, o);
  run();
  for (int i = 0; i < 30; ++i) {
    advance(std::chrono::milliseconds{10});
    for (auto* s : {a.get(), b.get()}) // answer at once: never in flight
      for (auto& done : s->pending)
        if (done)
          std::exchange(done, nullptr)(ok_result("{}"));
    run();
  }
  CHECK(a->fetches + b->fetches == 2); // the burst, then no token (10 s)
  CHECK(state_of<poller_state>(pa).rate_limited
          + state_of<poller_state>(pb).rate_limited > 0);
  for (auto& x : {pa, pb, bus})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "a room shares one serialized frame with all "
                           "subscribers") {
  auto r = sys.spawn(room, std::string{"r"}, room_class::snapshot,
                     room_options{});
  auto a = sys.spawn(probe);
  auto b = sys.spawn(probe);
  caf::anon_send(r, atom::subscribe_v, a, std::string{}, int64_t{-1}, false);
  caf::anon_send(r, atom::subscribe_v, b, std::string{}, int64_t{-1}, false);
  caf::anon_send(r, atom::deliver_v, make_event("e1", "r", "{\"v\":1}"),
                 std::string{"E"}, int64_t{3}, int32_t{0});
  caf::anon_send(r, atom::deliver_v, make_event("e1", "r", "{\"v\":1}"),
                 std::string{"E"}, int64_t{4}, int32_t{0}); // duplicate id
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
  sock->complete_write();
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
  sock->complete_write();
  run();
  REQUIRE(sock->writes.size() == 3);
  CHECK(sock->writes[2].find("{\"v\":2}") != std::string::npos);
  CHECK(sock->writes[2].find("\"pos\":1") != std::string::npos);
  // Unknown rooms get an error frame.
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"nope","id":2})"});
  sock->complete_write();
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
  sopts.queue_budget_bytes = 8192;
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

namespace {

// Stands in for the cluster actor: the offsets the directory forwards.
struct forward_probe_state {
  std::vector<int64_t> offsets;
};

caf::behavior forward_probe(caf::stateful_actor<forward_probe_state>* self) {
  return {
    [self](atom::forward, const std::string&, int32_t, int64_t offset,
           const std::string&) { self->state.offsets.push_back(offset); },
  };
}

} // namespace

TEST_CASE_FIXTURE(fixture, "malformed records are skipped and counted, and "
                           "only good ones are forwarded to the cluster") {
  auto node_probe = sys.spawn(probe);
  auto cluster_probe = sys.spawn(forward_probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{},
                       directory_options{}, bus, node_probe);
  caf::anon_send(dir, atom::forward_v, cluster_probe);
  run();
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{0}, std::string{"{not json"});
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{1}, encode_event(make_event("ok", "custom.room", "1")));
  // Nested 10,000 deep, and a good record followed by a NUL and garbage:
  // both were accepted (and the first recursed into) before.
  auto deep = encode_event(make_event("d", "custom.room", "1"));
  deep.insert(deep.size() - 1, ",\"x\":" + std::string(10000, '[')
                                 + std::string(10000, ']'));
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{2}, deep);
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{3},
                 encode_event(make_event("n", "custom.room", "2"))
                   + std::string{"\0garbage", 8});
  run();
  auto& st = state_of<room_directory_state>(dir);
  CHECK(st.malformed == 3);
  CHECK(st.logged_malformed
        == std::set<std::string>{"invalid JSON",
                                 "invalid JSON: a NUL byte",
                                 "invalid JSON: nested deeper than 64 levels"});
  CHECK(st.delivered == 1);
  CHECK(st.rooms.count("custom.room") == 1); // created on demand
  CHECK(state_of<forward_probe_state>(cluster_probe).offsets
        == std::vector<int64_t>{1});
  CHECK(st.forwarded_out == 1);
  // A record that came from a peer is not forwarded again.
  caf::anon_send(dir, atom::forwarded_v, std::string{"E"}, int32_t{1},
                 int64_t{0}, encode_event(make_event("p", "custom.room", "2")));
  run();
  CHECK(st.forwarded_in == 1);
  CHECK(st.forwarded_out == 1);
  for (auto& a : {dir, bus, node_probe, cluster_probe})
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

namespace {

// Calls `take` with every frame a recording socket wrote, batches
// flattened, in order.
template <class F>
void for_each_frame(const recording_socket& sock, F take) {
  for (auto& w : sock.writes) {
    rapidjson::Document d;
    d.Parse(w.c_str());
    if (d.IsArray())
      for (auto& f : d.GetArray())
        take(f);
    else
      take(d);
  }
}

// The positions of the event frames a recording socket wrote (batches
// flattened), in order.
std::vector<int64_t> event_positions(const recording_socket& sock) {
  std::vector<int64_t> out;
  auto take = [&](const rapidjson::Value& f) {
    if (f.IsObject() && f.HasMember("type") && f["type"] == "event")
      out.push_back(f["pos"].GetInt64());
  };
  for_each_frame(sock, take);
  return out;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a client that resumes from a position its room "
                           "has not reached yet gets only the events after "
                           "it, then the room's direct line") {
  subscribed_session t{*this};
  for (int i = 0; i < 3; ++i) // positions 0, 1, 2
    t.publish_update(i, "BTC", 10);
  run();
  auto room_actor = state_of<session_state>(t.s).subs.at("t").room;
  auto& rs = state_of<room_state>(room_actor);
  auto epoch = rs.core->epoch();
  REQUIRE(rs.core->last_pos() == 2);
  // A second client was on another node that had got up to position 5.
  auto sock = std::make_shared<recording_socket>();
  auto s2 = t.another_session(sock);
  caf::anon_send(s2, atom::client_text_v,
                 R"({"op":"subscribe","room":"t","resume":{"epoch":")" + epoch
                   + R"(","pos":5}})");
  run();
  auto& sub = state_of<session_state>(s2).subs.at("t");
  CHECK(sub.skip_until == 5);
  auto drain = [&] {
    for (int i = 0; i < 100 && sock->queued_frames() > 0; ++i) {
      sock->complete_write();
      run();
    }
    sock->complete_write();
    run();
  };
  for (int i = 3; i < 9; ++i) { // positions 3 … 8, one burst each
    t.publish_update(i, "BTC", 10);
    run();
    drain();
  }
  CHECK(event_positions(*sock) == std::vector<int64_t>{6, 7, 8});
  CHECK(sub.skip_until == -1);
  // Past its resume position the client is served directly again.
  bool direct = false;
  for (auto& [who, entry] : rs.subscribers)
    if (who == s2)
      direct = entry.direct;
  CHECK(direct);
  caf::anon_send_exit(s2, caf::exit_reason::user_shutdown);
  t.stop();
}

namespace {

// A stream room's state as a client builds it from what the socket wrote:
// the snapshot's keys, then each later update (events not after the last
// position applied are ignored, as docs/protocol.md says a client may).
std::map<std::string, int64_t> client_state(const recording_socket& sock,
                                            int64_t& pos) {
  std::map<std::string, int64_t> out;
  pos = -2;
  auto take = [&](const rapidjson::Value& f) {
    if (!f.IsObject() || !f.HasMember("type"))
      return;
    if (f["type"] == "snapshot") {
      out.clear();
      if (f["data"].IsObject())
        for (auto& m : f["data"].GetObject())
          out[m.name.GetString()] = m.value["i"].GetInt64();
      pos = f["pos"].GetInt64();
    } else if (f["type"] == "event" && f["pos"].GetInt64() > pos) {
      out[f["key"].GetString()] = f["data"]["i"].GetInt64();
      pos = f["pos"].GetInt64();
    }
  };
  for_each_frame(sock, take);
  return out;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a snapshot larger than the queue budget reaches a "
                           "fresh subscriber that reads, whole, without a "
                           "close") {
  subscribed_session t{*this}; // 8 KB budget
  for (int i = 0; i < 300; ++i) // 300 keys x ~130 B: ~40 KB of state
    t.publish_update(i, "k" + std::to_string(i), 100);
  run();
  auto sock = std::make_shared<recording_socket>();
  auto s2 = t.another_session(sock);
  caf::anon_send(s2, atom::client_text_v,
                 std::string{R"({"op":"subscribe","room":"t","id":1})"});
  run();
  size_t most_queued = 0;
  for (int i = 0; i < 10000 && sock->close_code == 0; ++i) {
    most_queued = std::max(most_queued, sock->queued_bytes());
    if (!sock->writing && sock->queued_frames() == 0)
      break;
    sock->complete_write();
    run();
  }
  CHECK(sock->close_code == 0);
  CHECK(most_queued <= t.sopts.queue_budget_bytes);
  int64_t pos = 0;
  auto state = client_state(*sock, pos);
  CHECK(state.size() == 300);
  for (int i = 0; i < 300; ++i)
    CHECK(state["k" + std::to_string(i)] == i);
  auto room_actor = state_of<session_state>(s2).subs.at("t").room;
  CHECK(pos == state_of<room_state>(room_actor).core->last_pos());
  // Caught up: the room serves it directly again.
  bool direct = false;
  for (auto& [who, entry] : state_of<room_state>(room_actor).subscribers)
    if (who == s2)
      direct = entry.direct;
  CHECK(direct);
  caf::anon_send_exit(s2, caf::exit_reason::user_shutdown);
  t.stop();
}

TEST_CASE_FIXTURE(fixture, "a room queues bursts straight into the socket of "
                           "a client that keeps up, and hands them back to "
                           "the session when it falls behind") {
  subscribed_session t{*this};
  auto& sock = t.sock;
  auto& s = t.s;
  auto room_actor = state_of<session_state>(s).subs.at("t").room;
  REQUIRE(room_actor);
  auto& rs = state_of<room_state>(room_actor);
  REQUIRE(rs.subscribers.size() == 1);
  CHECK(rs.subscribers.begin()->second.direct); // asked after the snapshot
  int next = 0;
  auto tick = [&](const std::string& key, size_t pad) {
    t.publish_update(next++, key, pad);
    run();
  };
  auto drain = [&] {
    for (int i = 0; i < 100 && sock->queued_frames() > 0; ++i) {
      sock->complete_write();
      run();
    }
    sock->complete_write();
    run();
  };
  drain();
  auto handled_before = state_of<session_state>(s).counters.handled;
  for (int i = 0; i < 5; ++i) {
    tick("BTC", 10);
    drain();
  }
  // Five bursts, none through the session actor.
  CHECK(rs.direct_bursts == 5);
  CHECK(state_of<session_state>(s).counters.handled == handled_before);
  // Stuck: past half the budget the room hands bursts back, the session
  // conflates, and nothing is cut off.
  for (int i = 0; i < 40; ++i)
    tick(i % 2 == 0 ? "BTC" : "ETH", 400);
  CHECK(rs.direct_fallbacks == 1);
  CHECK_FALSE(rs.subscribers.begin()->second.direct);
  CHECK(sock->close_code == 0);
  CHECK(state_of<session_state>(s).conflated_drops > 0);
  // Caught up: direct again, and every event came in position order.
  drain();
  tick("BTC", 10);
  drain();
  CHECK(rs.subscribers.begin()->second.direct);
  tick("BTC", 10);
  drain();
  std::string all;
  for (auto& w : sock->writes)
    all += w;
  std::vector<int> seen;
  for (size_t at = all.find("\"i\":"); at != std::string::npos;
       at = all.find("\"i\":", at + 1))
    seen.push_back(std::stoi(all.substr(at + 4)));
  // In position order, conflated updates included (the latest of each key:
  // 43 for BTC, 44 for ETH): a client that drops what is not after the last
  // position it saw loses nothing.
  REQUIRE(seen.size() >= 9);
  for (int i = 0; i < 5; ++i)
    CHECK(seen[static_cast<size_t>(i)] == i);
  for (size_t i = 1; i < seen.size(); ++i)
    CHECK(seen[i - 1] < seen[i]);
  CHECK(std::count(seen.begin(), seen.end(), 43) == 1);
  CHECK(std::count(seen.begin(), seen.end(), 44) == 1);
  CHECK(seen.back() == next - 1);
  // Resuming after a room restart starts from what the room queued.
  CHECK(state_of<session_state>(s).subs.at("t").link->last_pos.load()
        == rs.core->last_pos());
  // Unsubscribed: nothing more arrives, though the room may not know yet.
  caf::anon_send(s, atom::client_text_v,
                 std::string{R"({"op":"unsubscribe","room":"t","id":9})"});
  run();
  drain();
  auto writes = sock->writes.size();
  tick("BTC", 10);
  drain();
  CHECK(sock->writes.size() == writes);
  t.stop();
}

TEST_CASE_FIXTURE(fixture, "a slow client gets ticker updates conflated to the "
                           "latest value per key before it is cut off") {
  subscribed_session t{*this};
  auto& sock = t.sock;
  auto& s = t.s;
  auto tick = [&](int i, const std::string& key) {
    t.publish_update(i, key, 400);
  };
  // Far more than the budget, on two keys, while no write completes.
  for (int i = 0; i < 200; ++i)
    tick(i, i % 2 == 0 ? "BTC" : "ETH");
  run();
  CHECK(sock->close_code == 0); // not cut off: conflated instead
  auto& st = state_of<session_state>(s);
  CHECK(st.conflated.size() == 2);
  CHECK(st.conflated_drops > 150);
  CHECK(sock->queued_bytes() <= t.sopts.queue_budget_bytes);
  CHECK(sock->drained_notices == 0);
  // The client catches up: it gets the latest value of each key last.
  for (int i = 0;
       i < 50 && (sock->queued_frames() > 0 || !st.conflated.empty()); ++i) {
    sock->complete_write();
    run();
  }
  CHECK(sock->drained_notices >= 1);
  CHECK(st.conflated.empty());
  CHECK(sock->queued_frames() == 0);
  std::string all;
  for (auto& w : sock->writes)
    all += w;
  CHECK(all.find("\"i\":198,") != std::string::npos);
  CHECK(all.find("\"i\":199,") != std::string::npos);
  CHECK(all.rfind("\"i\":199,") > all.rfind("\"i\":0,"));
  CHECK(all.find("\"i\":100,") == std::string::npos); // conflated away
  t.stop();
}

TEST_CASE_FIXTURE(fixture, "a room sends a burst of events to each "
                           "subscriber as one message, in order, and a "
                           "subscriber joining mid-burst gets none twice") {
  auto r = sys.spawn(room, std::string{"r"}, room_class::stream,
                     room_options{});
  auto a = sys.spawn(probe);
  auto b = sys.spawn(probe);
  caf::anon_send(r, atom::subscribe_v, a, std::string{}, int64_t{-1}, false);
  run();
  for (int64_t pos = 1; pos <= 5; ++pos)
    caf::anon_send(r, atom::deliver_v,
                   make_event("e" + std::to_string(pos), "r", "1"),
                   std::string{"E"}, pos, int32_t{0});
  // b joins behind the burst: the join covers it, the fan-out must not.
  caf::anon_send(r, atom::subscribe_v, b, std::string{}, int64_t{-1}, false);
  run();
  auto& pa = state_of<probe_state>(a);
  REQUIRE(pa.frames.size() == 5);
  CHECK(pa.messages == 1);
  for (int64_t i = 0; i < 5; ++i)
    CHECK(pa.frames[static_cast<size_t>(i)].first == i + 1);
  CHECK(state_of<probe_state>(b).frames.empty());
  // A lone event afterwards is its own message, to both.
  caf::anon_send(r, atom::deliver_v, make_event("e6", "r", "1"),
                 std::string{"E"}, int64_t{6}, int32_t{0});
  run();
  CHECK(pa.messages == 2);
  REQUIRE(state_of<probe_state>(b).frames.size() == 1);
  CHECK(state_of<probe_state>(b).frames[0].first == 6);
  CHECK(state_of<room_state>(r).fanout_messages == 3);
  CHECK(state_of<room_state>(r).frames_out == 7);
  for (auto& x : {a, b, r})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  run();
}

namespace {

// A stand-in event bus: accepts the directory's subscription and records
// the offsets it commits.
struct commit_bus_state {
  static inline const char* name = "commit_bus";
  std::vector<std::pair<int32_t, int64_t>> commits;
};

caf::behavior commit_bus(caf::stateful_actor<commit_bus_state>* self) {
  return {
    [](atom::subscribe, const std::string&, const std::string&,
       const caf::actor&) { return int32_t{1}; },
    [self](atom::commit, const std::string&, const std::string&,
           int32_t partition, int64_t next) {
      self->state.commits.emplace_back(partition, next);
    },
  };
}

// A directory with the stream room "t" over a commit_bus.
struct directory_over_commit_bus {
  caf::actor bus;
  caf::actor dir;

  template <class Fixture>
  explicit directory_over_commit_bus(Fixture& f) {
    bus = f.sys.spawn(commit_bus);
    dir = f.sys.spawn(room_directory,
                      std::vector<room_decl>{{"t", room_class::stream}},
                      directory_options{}, bus, caf::actor{});
    f.run();
  }

  // An encoded record for room "t".
  static std::string record(const char* id) {
    return encode_event(make_event(id, "t", "1"));
  }

  // Kills `room`, then lets the directory handle its next `routed`
  // messages before it sees the room go: what they hand the room is never
  // applied.
  template <class Fixture>
  void kill_unnoticed(Fixture& f, const caf::actor& room, int routed) {
    caf::anon_send_exit(room, caf::exit_reason::kill);
    f.sched.prioritize(room);
    f.sched.run_once();
    for (int i = 0; i < routed; ++i) {
      f.sched.prioritize(dir);
      f.sched.run_once();
    }
  }

  template <class Fixture>
  void stop(Fixture& f) {
    for (auto& a : {dir, bus})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    f.run();
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "the directory commits an offset only once its "
                           "room applied the event, and hands a restarted "
                           "room what its predecessor never applied") {
  directory_over_commit_bus t{*this};
  auto& dir = t.dir;
  auto& dst = state_of<room_directory_state>(dir);
  auto first = dst.rooms.at("t").handle;
  auto record = directory_over_commit_bus::record;
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{0}, record("a"));
  caf::anon_send(dir, atom::deliver_v, std::string{"E"}, int32_t{0},
                 int64_t{1}, record("b"));
  // The room dies before the directory has seen it go: both events are
  // handed to a dead room and never applied.
  t.kill_unnoticed(*this, first, 2);
  REQUIRE(dst.partitions.count(0) == 1);
  CHECK(dst.partitions.at(0).in_flight.size() == 2);
  advance(std::chrono::milliseconds{250}); // a commit tick meanwhile
  auto& commits = state_of<commit_bus_state>(t.bus).commits;
  for (auto& c : commits)
    CHECK(c.second == 0); // nothing past the unapplied offset 0
  run();
  auto second = dst.rooms.at("t").handle;
  CHECK(second != first);
  CHECK(dst.redelivered == 2);
  CHECK(dst.partitions.at(0).in_flight.empty());
  auto& core = *state_of<room_state>(second).core;
  CHECK(core.applied() == 2);
  CHECK(core.last_pos() == 1);
  advance(std::chrono::milliseconds{250}); // the commit tick
  REQUIRE_FALSE(commits.empty());
  CHECK(commits.back() == std::make_pair(int32_t{0}, int64_t{2}));
  t.stop(*this);
}

TEST_CASE_FIXTURE(fixture, "records another cluster node forwarded reach "
                           "their room, are never committed here, and are "
                           "handed again to a restarted room") {
  directory_over_commit_bus t{*this};
  auto& dir = t.dir;
  auto& dst = state_of<room_directory_state>(dir);
  auto first = dst.rooms.at("t").handle;
  auto record = directory_over_commit_bus::record;
  caf::anon_send(dir, atom::forwarded_v, std::string{"E"}, int32_t{3},
                 int64_t{40}, record("a"));
  caf::anon_send(dir, atom::forwarded_v, std::string{"E"}, int32_t{3},
                 int64_t{41}, record("b"));
  t.kill_unnoticed(*this, first, 2);
  CHECK(dst.forwarded_in == 2);
  CHECK(dst.forwarded.at(3).size() == 2);
  CHECK(dst.partitions.count(3) == 0); // not ours: nothing to commit
  run();
  auto second = dst.rooms.at("t").handle;
  CHECK(second != first);
  CHECK(dst.redelivered == 2);
  CHECK(dst.forwarded.at(3).empty());
  auto& core = *state_of<room_state>(second).core;
  CHECK(core.applied() == 2);
  CHECK(core.last_pos() == 41);
  advance(std::chrono::milliseconds{250}); // commit ticks
  advance(std::chrono::milliseconds{250});
  CHECK(state_of<commit_bus_state>(t.bus).commits.empty());
  CHECK(dst.forwarded_out == 0); // no cluster attached: nothing forwarded
  t.stop(*this);
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
  caf::anon_send(n, atom::join_v, room, std::string{"room"},
                 std::string{"room t"}, int64_t{1});
  caf::anon_send(n, atom::join_v, session, std::string{"session"},
                 std::string{"s-1"}, int64_t{0});
  run();
  CHECK(room_down);
  CHECK(told == "1001 server shutting down");
  for (auto& a : {n, session, watcher})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  run();
}
