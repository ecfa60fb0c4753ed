#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

#include <rapidjson/document.h>

#include "core/dedup_window.hpp"
#include "rooms/room_core.hpp"

using namespace flux;

namespace {

event ev(const std::string& id, event_kind kind, const std::string& key,
         const std::string& data) {
  event e;
  e.id = id;
  e.room = "r";
  e.kind = kind;
  e.key = key;
  e.ts = 1000;
  e.data = data;
  return e;
}

template <class... Ts>
bool applied_ok(room_core& room, Ts&&... xs) {
  return room.apply(std::forward<Ts>(xs)...) != nullptr;
}

rapidjson::Document parse(const frame_ptr& f) {
  rapidjson::Document d;
  d.Parse(f->c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

} // namespace

TEST_CASE("a snapshot room keeps the latest snapshot") {
  room_core room{"r", room_class::snapshot, {}};
  auto d0 = parse(room.snapshot_frame());
  CHECK(d0["data"].IsNull());
  CHECK(d0["pos"].GetInt64() == -1);
  REQUIRE(applied_ok(room, ev("a", event_kind::snapshot, "", "{\"v\":1}"), "E", 5));
  REQUIRE(applied_ok(room, ev("b", event_kind::snapshot, "", "{\"v\":2}"), "E", 9));
  auto d = parse(room.snapshot_frame());
  CHECK(std::string{d["type"].GetString()} == "snapshot");
  CHECK(d["data"]["v"].GetInt() == 2);
  CHECK(d["pos"].GetInt64() == 9);
  CHECK(std::string{d["epoch"].GetString()} == "E");
}

TEST_CASE("a stream room's snapshot is the latest update per key") {
  room_core room{"r", room_class::stream, {}};
  room.apply(ev("1", event_kind::update, "BTC", "{\"p\":1}"), "E", 1);
  room.apply(ev("2", event_kind::update, "ETH", "{\"p\":2}"), "E", 2);
  room.apply(ev("3", event_kind::update, "BTC", "{\"p\":3}"), "E", 3);
  auto d = parse(room.snapshot_frame());
  CHECK(d["data"]["BTC"]["p"].GetInt() == 3);
  CHECK(d["data"]["ETH"]["p"].GetInt() == 2);
}

TEST_CASE("event frames are built once and carry position and epoch") {
  room_core room{"r", room_class::stream, {}};
  auto f = room.apply(ev("1", event_kind::update, "BTC", "{\"p\":1}"), "E", 42);
  REQUIRE(static_cast<bool>(f));
  auto d = parse(f);
  CHECK(std::string{d["type"].GetString()} == "event");
  CHECK(d["pos"].GetInt64() == 42);
  CHECK(std::string{d["key"].GetString()} == "BTC");
  CHECK(d["data"]["p"].GetInt() == 1);
  // The ring shares the same bytes (no copy per subscriber or per join).
  auto j = room.join(std::make_pair(std::string{"E"}, int64_t{41}));
  REQUIRE(j.frames->size() == 1);
  CHECK((*j.frames)[0].frame.get() == f.get());
}

TEST_CASE("duplicates by id or by position are dropped") {
  room_core room{"r", room_class::snapshot, {}};
  CHECK(applied_ok(room, ev("a", event_kind::snapshot, "", "1"), "E", 1));
  CHECK_FALSE(applied_ok(room, ev("a", event_kind::snapshot, "", "1"), "E", 2));
  CHECK_FALSE(applied_ok(room, ev("b", event_kind::snapshot, "", "1"), "E", 1));
  CHECK(applied_ok(room, ev("c", event_kind::snapshot, "", "1"), "E", 3));
  CHECK(room.duplicates() == 2);
  CHECK(room.applied() == 2);
}

TEST_CASE("resume returns exactly the missed events while the ring covers "
          "them") {
  room_core room{"r", room_class::stream, room_options{4, 100}};
  for (int i = 0; i < 6; ++i)
    room.apply(ev("e" + std::to_string(i), event_kind::update, "k",
                  std::to_string(i)),
               "E", 10 + 2 * i); // positions 10,12,...,20 (gaps: other rooms)
  // Ring holds 14,16,18,20; everything after 12 is covered.
  auto ok = room.join(std::make_pair(std::string{"E"}, int64_t{12}));
  CHECK(ok.resumed);
  CHECK(ok.missed == 4);
  REQUIRE(ok.frames->size() == 4);
  CHECK(parse((*ok.frames)[0].frame)["pos"].GetInt64() == 14);
  CHECK(parse((*ok.frames)[3].frame)["pos"].GetInt64() == 20);
  auto mid = room.join(std::make_pair(std::string{"E"}, int64_t{17}));
  CHECK(mid.resumed);
  CHECK(mid.missed == 2);
  auto none = room.join(std::make_pair(std::string{"E"}, int64_t{20}));
  CHECK(none.resumed);
  CHECK(none.frames->empty());
  // Position 10 is older than the ring: event 12 is gone.
  auto old = room.join(std::make_pair(std::string{"E"}, int64_t{10}));
  CHECK_FALSE(old.resumed);
  CHECK(old.reason == "gap_too_old");
  REQUIRE(old.frames->size() == 1);
  CHECK(std::string{parse((*old.frames)[0].frame)["type"].GetString()}
        == "snapshot");
}

TEST_CASE("resume from another epoch gets a snapshot") {
  room_core room{"r", room_class::snapshot, {}};
  room.apply(ev("a", event_kind::snapshot, "", "1"), "E2", 0);
  auto r = room.join(std::make_pair(std::string{"E1"}, int64_t{100}));
  CHECK_FALSE(r.resumed);
  CHECK(r.reason == "epoch_changed");
}

TEST_CASE("a new epoch resets positions but keeps the latest state") {
  room_core room{"r", room_class::snapshot, {}};
  room.apply(ev("a", event_kind::snapshot, "", "{\"v\":1}"), "E1", 50);
  CHECK(applied_ok(room, ev("b", event_kind::snapshot, "", "{\"v\":2}"), "E2", 0));
  CHECK(room.last_pos() == 0);
  CHECK(parse(room.snapshot_frame())["data"]["v"].GetInt() == 2);
}

TEST_CASE("status events mark the room stale and show in the snapshot") {
  room_core room{"r", room_class::snapshot, {}};
  room.apply(ev("a", event_kind::snapshot, "", "{\"v\":1}"), "E", 1);
  room.apply(ev("s", event_kind::status, "",
                "{\"stale\":true,\"since\":5,\"reason\":\"timeout\"}"),
             "E", 2);
  CHECK(room.stale());
  auto d = parse(room.snapshot_frame());
  CHECK(d["data"]["v"].GetInt() == 1); // last good data stays
  CHECK(d["status"]["stale"].GetBool());
  room.apply(ev("s2", event_kind::status, "", "{\"stale\":false}"), "E", 3);
  CHECK_FALSE(room.stale());
}

TEST_CASE("dedup_window forgets the oldest ids beyond its capacity") {
  dedup_window w{2};
  CHECK(w.insert("a"));
  CHECK_FALSE(w.insert("a"));
  CHECK(w.insert("b"));
  CHECK(w.insert("c")); // evicts a
  CHECK(w.insert("a"));
  CHECK_FALSE(w.insert("c"));
}

namespace {

room_options bounded(size_t max_keys, size_t max_bytes = 1 << 20) {
  room_options o;
  o.max_keys = max_keys;
  o.max_bytes = max_bytes;
  return o;
}

std::vector<std::string> snapshot_keys(room_core& room) {
  std::vector<std::string> out;
  auto d = parse(room.snapshot_frame());
  if (d["data"].IsObject())
    for (auto& m : d["data"].GetObject())
      out.emplace_back(m.name.GetString());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("a stream room keeps at most max_keys keys, evicting the least "
          "recently updated one, and counts evictions") {
  room_core room{"r", room_class::stream, bounded(3)};
  room.apply(ev("1", event_kind::update, "a", "1"), "E", 1);
  room.apply(ev("2", event_kind::update, "b", "2"), "E", 2);
  room.apply(ev("3", event_kind::update, "c", "3"), "E", 3);
  room.apply(ev("4", event_kind::update, "a", "4"), "E", 4); // a is recent
  CHECK(room.keys() == 3);
  CHECK(room.evicted() == 0);
  room.apply(ev("5", event_kind::update, "d", "5"), "E", 5);
  CHECK(room.keys() == 3);
  CHECK(room.evicted() == 1);
  CHECK(snapshot_keys(room) == std::vector<std::string>{"a", "c", "d"});
  room.apply(ev("6", event_kind::update, "e", "6"), "E", 6);
  CHECK(room.evicted() == 2);
  CHECK(snapshot_keys(room) == std::vector<std::string>{"a", "d", "e"});
  // Distinct keys without end: the state stays at the bound.
  for (int i = 0; i < 10000; ++i)
    room.apply(ev("x" + std::to_string(i), event_kind::update,
                  "k" + std::to_string(i), "0"),
               "E", 7 + i);
  CHECK(room.keys() == 3);
  CHECK(room.evicted() == 10002);
  CHECK(snapshot_keys(room)
        == std::vector<std::string>{"k9997", "k9998", "k9999"});
}

TEST_CASE("a stream room's state is bounded in bytes too") {
  room_core room{"r", room_class::stream, bounded(1000, 2000)};
  std::string big = "\"" + std::string(400, 'x') + "\"";
  for (int i = 0; i < 20; ++i)
    room.apply(ev(std::to_string(i), event_kind::update,
                  "k" + std::to_string(i), big),
               "E", i);
  CHECK(room.state_bytes() <= 2000);
  CHECK(room.keys() >= 2);
  CHECK(room.keys() < 5);
  CHECK(room.evicted() == 20 - room.keys());
}

TEST_CASE("an event larger than max_event_bytes is dropped and counted") {
  room_options o;
  o.max_event_bytes = 16;
  room_core room{"r", room_class::snapshot, o};
  CHECK(applied_ok(room, ev("a", event_kind::snapshot, "", "{\"v\":1}"), "E", 1));
  CHECK_FALSE(applied_ok(room, ev("b", event_kind::snapshot, "",
                                  "\"" + std::string(20, 'x') + "\""),
                         "E", 2));
  CHECK(room.oversized() == 1);
  CHECK(room.last_pos() == 1);
  CHECK(parse(room.snapshot_frame())["data"]["v"].GetInt() == 1);
}

TEST_CASE("a join to a stream room larger than a piece gets a snapshot of "
          "the oldest keys, then the newer keys' update events in order") {
  room_options o;
  o.snapshot_piece_bytes = 200;
  room_core room{"r", room_class::stream, o};
  std::string pad = std::string(30, 'x');
  for (int i = 0; i < 20; ++i)
    room.apply(ev(std::to_string(i), event_kind::update,
                  "k" + std::to_string(i), "\"" + pad + "\""),
               "E", 100 + 2 * i);
  room.apply(ev("again", event_kind::update, "k0", "\"new\""), "E", 200);
  auto j = room.join(std::nullopt);
  CHECK_FALSE(j.resumed);
  REQUIRE(j.frames->size() > 2);
  auto& first = (*j.frames)[0];
  auto snap = parse(first.frame);
  CHECK(std::string{snap["type"].GetString()} == "snapshot");
  CHECK(snap["more"].GetBool());
  CHECK(first.frame->size() < 400);
  // Keys applied at or before the snapshot's position are in it; every
  // later one follows as its latest update event, positions increasing.
  std::map<std::string, std::string> state;
  for (auto& m : snap["data"].GetObject())
    state[m.name.GetString()] = m.value.GetString();
  int64_t pos = snap["pos"].GetInt64();
  CHECK(first.pos == pos);
  for (size_t i = 1; i < j.frames->size(); ++i) {
    auto& f = (*j.frames)[i];
    auto d = parse(f.frame);
    CHECK(std::string{d["type"].GetString()} == "event");
    CHECK(d["pos"].GetInt64() > pos);
    CHECK(f.pos == d["pos"].GetInt64());
    CHECK(f.key == d["key"].GetString());
    pos = d["pos"].GetInt64();
    state[d["key"].GetString()] = d["data"].GetString();
  }
  CHECK(pos == room.last_pos());
  CHECK(state.size() == 20);
  CHECK(state["k0"] == "new");
  CHECK(state["k19"] == pad);
  // Small enough: one snapshot frame, no `more`.
  room_core small{"r", room_class::stream, {}};
  small.apply(ev("1", event_kind::update, "a", "1"), "E", 1);
  auto js = small.join(std::nullopt);
  REQUIRE(js.frames->size() == 1);
  CHECK_FALSE(parse((*js.frames)[0].frame).HasMember("more"));
}

TEST_CASE("a resume from a position further ahead of the room than the "
          "tolerance is refused with ahead_of_room and a snapshot") {
  room_options o;
  o.resume_ahead_tolerance = 10;
  room_core room{"r", room_class::stream, o};
  room.apply(ev("1", event_kind::update, "a", "1"), "E", 20);
  auto near = room.join(std::make_pair(std::string{"E"}, int64_t{30}));
  CHECK(near.resumed); // a lagging node: the events after 30 will come
  CHECK(near.missed == 0);
  for (int64_t pos : {int64_t{31}, int64_t{1020},
                      std::numeric_limits<int64_t>::max()}) {
    auto far = room.join(std::make_pair(std::string{"E"}, pos));
    CHECK_FALSE(far.resumed);
    CHECK(far.reason == "ahead_of_room");
    REQUIRE(far.frames->size() == 1);
    CHECK(std::string{parse((*far.frames)[0].frame)["type"].GetString()}
          == "snapshot");
  }
  // An empty room: anything ahead of nothing is refused as well.
  room_core empty{"r", room_class::stream, o};
  empty.apply(ev("1", event_kind::status, "", "{}"), "E", 0);
  auto e = empty.join(std::make_pair(std::string{"E"},
                                     std::numeric_limits<int64_t>::max()));
  CHECK(e.reason == "ahead_of_room");
}

TEST_CASE("a new epoch keeps only as many old keys as one snapshot piece "
          "holds, all of them in the snapshot") {
  room_options o;
  o.snapshot_piece_bytes = 1000;
  room_core room{"r", room_class::stream, o};
  std::string pad = "\"" + std::string(100, 'x') + "\"";
  for (int i = 0; i < 30; ++i)
    room.apply(ev(std::to_string(i), event_kind::update,
                  "k" + std::to_string(i), pad),
               "E1", i);
  room.apply(ev("n", event_kind::update, "new", "1"), "E2", 0);
  CHECK(room.keys() < 10);
  CHECK(room.evicted() == 31 - room.keys());
  auto j = room.join(std::nullopt);
  REQUIRE(j.frames->size() == 1); // no position for old keys as events
  auto d = parse((*j.frames)[0].frame);
  CHECK_FALSE(d.HasMember("more"));
  CHECK(d["data"].HasMember("new"));
  CHECK(d["data"].HasMember("k29")); // the newest old keys stay
  CHECK_FALSE(d["data"].HasMember("k0"));
}
