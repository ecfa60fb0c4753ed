#pragma once

// What the actor tests share: CAF's deterministic test coordinator
// (messages run only when the test calls run(), and time moves only when
// it says so), a socket that records what a session writes, a probe actor,
// and a subscribed session over bus and directory.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "bus/embedded_bus.hpp"
#include "core/type_ids.hpp"
#include "rooms/room_directory.hpp"
#include "sessions/session.hpp"

namespace flux::tests {

// The actor class behind a handle: typed handles have a typed base.
template <class Handle>
struct actor_base {
  using type = caf::event_based_actor;
};
template <class... Sigs>
struct actor_base<caf::typed_actor<Sigs...>> {
  using type = caf::typed_event_based_actor<Sigs...>;
};
template <class Handle>
using actor_base_t = typename actor_base<Handle>::type;

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

  // The state of the actor behind `a`, spawned with the interface `a` has.
  template <class State, class Handle>
  State& state_of(const Handle& a) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(a);
    return dynamic_cast<caf::stateful_actor<State, actor_base_t<Handle>>&>(
             *ptr)
      .state;
  }
};

// Ends every actor given (of any interface).
template <class... Handles>
void end_all(const Handles&... actors) {
  (caf::anon_send_exit(actors, caf::exit_reason::user_shutdown), ...);
}

// Records what a session writes instead of sending it over a network. A
// write starts as the real socket's would and stays in progress until the
// test calls complete_write(): a test that never does plays a stuck client.
struct recording_socket : client_socket {
  std::vector<std::string> writes;
  uint16_t close_code = 0;
  std::string close_reason;
  bool writing = false;
  session_actor session; // told when the queue drains, if it asked
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
      caf::anon_send(session, atom::drained_v);
  }
};

// Collects (burst_atom, room_burst) messages.
struct probe_state {
  std::vector<std::pair<int64_t, frame_ptr>> frames;
  size_t messages = 0; // frame messages, each one burst
  std::vector<std::string> ready_changes;
};

inline caf::behavior probe(caf::stateful_actor<probe_state>* self) {
  return {
    [self](atom::burst, const room_burst& burst) {
      ++self->state.messages;
      for (auto& f : burst.frames)
        self->state.frames.emplace_back(f.pos, f.frame);
    },
    [self](atom::join, const status_actor&, const std::string&,
           const std::string&, int64_t) {},
    [self](atom::join, const session_actor&, const std::string&) {},
    [self](atom::health, const std::string& who, bool ok, const std::string&,
           bool) {
      self->state.ready_changes.push_back(who + (ok ? ":ok" : ":failed"));
    },
  };
}

// Completes the socket's writes until its queue is empty (at most 100).
template <class Fixture>
void drain_socket(Fixture& f, recording_socket& sock) {
  for (int i = 0; i < 100 && sock.queued_frames() > 0; ++i) {
    sock.complete_write();
    f.run();
  }
  sock.complete_write();
  f.run();
}

// Bus, directory with the stream room "t", and one session over a
// recording socket (8 KB queue budget), subscribed to "t".
struct subscribed_session {
  caf::actor node_probe; // stands in for the node
  bus_actor bus;
  room_directory_actor dir;
  std::shared_ptr<recording_socket> sock;
  session_options sopts;
  session_actor s;

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
                     dopts, bus, caf::actor_cast<node_actor>(node_probe));
    sock = std::make_shared<recording_socket>();
    s = sys_.spawn(session, std::string{"s-1"}, sock, dir,
                   caf::actor_cast<node_actor>(node_probe), sopts);
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
  session_actor
  another_session(const std::shared_ptr<recording_socket>& sock) {
    auto s2 = sys_.spawn(session, std::string{"s-2"}, sock, dir,
                         caf::actor_cast<node_actor>(node_probe), sopts);
    sock->session = s2;
    run_();
    return s2;
  }

  void stop() {
    end_all(s, dir, bus, node_probe);
    run_();
  }

private:
  caf::actor_system& sys_;
  std::function<void()> run_;
};

inline event make_event(const std::string& id,
                        const std::string& room,
                        const std::string& data) {
  event e;
  e.id = id;
  e.room = room;
  e.ts = 1;
  e.data = data;
  return e;
}

} // namespace flux::tests
