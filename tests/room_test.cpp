// The room actor: fan-out of shared frames and bursts, and the direct
// line into the socket of a subscriber that keeps up.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "actor_test_support.hpp"
#include "rooms/room.hpp"

using namespace flux;
using namespace flux::tests;

TEST_CASE_FIXTURE(fixture, "a room shares one serialized frame with all "
                           "subscribers") {
  auto r = sys.spawn(room, std::string{"r"}, room_class::snapshot,
                     room_options{}, commit_actor{});
  auto a = sys.spawn(probe);
  auto b = sys.spawn(probe);
  caf::anon_send(r, atom::subscribe_v, caf::actor_cast<session_actor>(a),
                 std::string{}, int64_t{-1}, false);
  caf::anon_send(r, atom::subscribe_v, caf::actor_cast<session_actor>(b),
                 std::string{}, int64_t{-1}, false);
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
  auto drain = [&] { drain_socket(*this, *sock); };
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

TEST_CASE_FIXTURE(fixture, "a room sends a burst of events to each "
                           "subscriber as one message, in order, and a "
                           "subscriber joining mid-burst gets none twice") {
  auto r = sys.spawn(room, std::string{"r"}, room_class::stream,
                     room_options{}, commit_actor{});
  auto a = sys.spawn(probe);
  auto b = sys.spawn(probe);
  caf::anon_send(r, atom::subscribe_v, caf::actor_cast<session_actor>(a),
                 std::string{}, int64_t{-1}, false);
  run();
  for (int64_t pos = 1; pos <= 5; ++pos)
    caf::anon_send(r, atom::deliver_v,
                   make_event("e" + std::to_string(pos), "r", "1"),
                   std::string{"E"}, pos, int32_t{0});
  // b joins behind the burst: the join covers it, the fan-out must not.
  caf::anon_send(r, atom::subscribe_v, caf::actor_cast<session_actor>(b),
                 std::string{}, int64_t{-1}, false);
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
  end_all(a, b, r);
  run();
}
