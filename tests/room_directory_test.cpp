// The room directory: malformed records, forwarding to and from the
// cluster, offsets committed only once applied, redelivery to a
// restarted room.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actor_test_support.hpp"
#include "rooms/room.hpp"

using namespace flux;
using namespace flux::tests;

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
                       directory_options{}, bus,
                       caf::actor_cast<node_actor>(node_probe));
  caf::anon_send(dir, atom::forward_v,
                 caf::actor_cast<forward_actor>(cluster_probe));
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
  end_all(dir, bus, node_probe, cluster_probe);
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
       const record_actor&) { return int32_t{1}; },
    [self](atom::commit, const std::string&, const std::string&,
           int32_t partition, int64_t next) {
      self->state.commits.emplace_back(partition, next);
    },
  };
}

// A directory with the stream room "t" over a commit_bus.
struct directory_over_commit_bus {
  caf::actor bus; // a commit_bus
  room_directory_actor dir;

  template <class Fixture>
  explicit directory_over_commit_bus(Fixture& f) {
    bus = f.sys.spawn(commit_bus);
    dir = f.sys.spawn(room_directory,
                      std::vector<room_decl>{{"t", room_class::stream}},
                      directory_options{}, caf::actor_cast<bus_actor>(bus),
                      node_actor{});
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
  void kill_unnoticed(Fixture& f, const room_actor& room, int routed) {
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
    end_all(dir, bus);
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
