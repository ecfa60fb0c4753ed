// The session actor: one write at a time, slow clients conflated or
// closed, resume past the room, snapshots larger than the queue budget.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "actor_test_support.hpp"
#include "rooms/room.hpp"

using namespace flux;
using namespace flux::tests;

TEST_CASE_FIXTURE(fixture, "bus, directory, room and session deliver a "
                           "snapshot, then events, one write at a time") {
  auto node_probe = sys.spawn(probe);
  auto node = caf::actor_cast<node_actor>(node_probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  directory_options dopts;
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{{"r"}}, dopts,
                       bus, node);
  run();
  caf::anon_send(bus, atom::publish_v, make_event("e1", "r", "{\"v\":1}"));
  run();
  auto sock = std::make_shared<recording_socket>();
  auto s = sys.spawn(session, std::string{"s-1"}, sock, dir, node,
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
  end_all(s, dir, bus, node_probe);
  run();
}

TEST_CASE_FIXTURE(fixture, "a client that cannot keep up is closed with "
                           "4008 instead of growing memory") {
  auto node_probe = sys.spawn(probe);
  auto node = caf::actor_cast<node_actor>(node_probe);
  auto bus = sys.spawn(bus::embedded_bus, bus::embedded_bus_options{});
  auto dir = sys.spawn(room_directory, std::vector<room_decl>{{"r"}},
                       directory_options{}, bus, node);
  auto sock = std::make_shared<recording_socket>();
  session_options sopts;
  sopts.queue_budget_bytes = 8192;
  auto s = sys.spawn(session, std::string{"s-1"}, sock, dir, node,
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
  end_all(dir, bus, node_probe);
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
  auto drain = [&] { drain_socket(*this, *sock); };
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
