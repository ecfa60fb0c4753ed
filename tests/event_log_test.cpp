#include <doctest/doctest.h>

#include "bus/event_log.hpp"

using namespace flux::bus;

TEST_CASE("event_log assigns per-partition offsets and keeps a key on one "
          "partition") {
  event_log log;
  log.create_topic("t", 4);
  auto a1 = log.append("t", "weather.london", "a1", 1);
  auto b1 = log.append("t", "crypto.ticker", "b1", 2);
  auto a2 = log.append("t", "weather.london", "a2", 3);
  CHECK(a1.partition == a2.partition);
  CHECK(a2.offset == a1.offset + 1 + (b1.partition == a1.partition ? 1 : 0));
  auto& p = log.partition("t", a1.partition);
  auto recs = p.read(a1.offset, 100);
  REQUIRE(recs.size() >= 2);
  CHECK(recs.front().value == "a1");
  CHECK(recs.back().value == "a2");
  CHECK(p.end_offset() == a2.offset + 1);
}

TEST_CASE("event_log partitioning is stable") {
  CHECK(event_log::partition_for("crypto.ticker", 8)
        == event_log::partition_for("crypto.ticker", 8));
  CHECK(event_log::partition_for("x", 1) == 0);
}

TEST_CASE("partition_log retention drops the oldest records by count") {
  partition_log p{retention{3, 1 << 20}};
  for (int i = 0; i < 5; ++i)
    CHECK(p.append("k", "v" + std::to_string(i), i) == i);
  CHECK(p.size() == 3);
  CHECK(p.start_offset() == 2);
  CHECK(p.end_offset() == 5);
  // Reading from a dropped offset starts at the oldest retained record.
  auto recs = p.read(0, 10);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].offset == 2);
  CHECK(recs[0].value == "v2");
  CHECK(recs[2].offset == 4);
}

TEST_CASE("partition_log retention drops the oldest records by bytes") {
  partition_log p{retention{1000, 10}};
  p.append("", "12345", 0);
  p.append("", "12345", 0);
  CHECK(p.size() == 2);
  p.append("", "12345", 0);
  CHECK(p.size() == 2);
  CHECK(p.bytes() == 10);
  // A single record larger than the budget is still kept (the newest).
  p.append("", std::string(50, 'x'), 0);
  CHECK(p.size() == 1);
  CHECK(p.start_offset() == 3);
}

TEST_CASE("subscribe-from-offset reads exactly the records from that offset") {
  partition_log p{retention{}};
  for (int i = 0; i < 10; ++i)
    p.append("k", std::to_string(i), i);
  auto recs = p.read(7, 100);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].value == "7");
  CHECK(p.read(10, 100).empty());
  CHECK(p.read(3, 2).size() == 2);
}

TEST_CASE("event_log rejects unknown topics and bad partition counts") {
  event_log log;
  CHECK_THROWS(log.append("missing", "k", "v", 0));
  CHECK_THROWS(log.create_topic("t", 0));
  log.create_topic("t", 2);
  log.create_topic("t", 5); // exists: no-op
  CHECK(log.partitions("t") == 2);
  CHECK_THROWS(log.partition("t", 2));
}
