#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "actors/room_core.hpp"
#include "core/dedup_window.hpp"

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
  REQUIRE(j.frames.size() == 1);
  CHECK(j.frames[0].get() == f.get());
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
  REQUIRE(ok.frames.size() == 4);
  CHECK(parse(ok.frames[0])["pos"].GetInt64() == 14);
  CHECK(parse(ok.frames[3])["pos"].GetInt64() == 20);
  auto mid = room.join(std::make_pair(std::string{"E"}, int64_t{17}));
  CHECK(mid.resumed);
  CHECK(mid.missed == 2);
  auto none = room.join(std::make_pair(std::string{"E"}, int64_t{20}));
  CHECK(none.resumed);
  CHECK(none.frames.empty());
  // Position 10 is older than the ring: event 12 is gone.
  auto old = room.join(std::make_pair(std::string{"E"}, int64_t{10}));
  CHECK_FALSE(old.resumed);
  CHECK(old.reason == "gap_too_old");
  REQUIRE(old.frames.size() == 1);
  CHECK(std::string{parse(old.frames[0])["type"].GetString()} == "snapshot");
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
