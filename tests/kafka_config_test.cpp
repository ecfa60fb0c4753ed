#include <doctest/doctest.h>

#include <string>

#include "bus/kafka_buffer.hpp"
#include "bus/kafka_bus.hpp"
#include "bus/kafka_config.hpp"
#include "config/flux_config.hpp"

using namespace flux;
using namespace flux::bus;

namespace {

pending_record rec(const std::string& key, event_kind kind,
                   const std::string& value) {
  return pending_record{key, value, kind};
}

} // namespace

TEST_CASE("kafka produce buffer drops the oldest snapshot first") {
  produce_buffer b{3};
  CHECK(b.push(rec("a", event_kind::update, "u1")) == 0);
  CHECK(b.push(rec("b", event_kind::snapshot, "s1")) == 0);
  CHECK(b.push(rec("a", event_kind::update, "u2")) == 0);
  // Full: s1 goes although u1 is older.
  CHECK(b.push(rec("b", event_kind::snapshot, "s2")) == 1);
  CHECK(b.dropped_snapshots() == 1);
  CHECK(b.size() == 3);
  CHECK(b.front().value == "u1");
  b.pop_front();
  CHECK(b.front().value == "u2");
  b.pop_front();
  CHECK(b.front().value == "s2");
  b.pop_front();
  CHECK(b.empty());
  CHECK(b.bytes() == 0);
}

TEST_CASE("kafka produce buffer drops the oldest event when no snapshot is "
          "left") {
  produce_buffer b{2};
  b.push(rec("a", event_kind::update, "u1"));
  b.push(rec("a", event_kind::status, "st"));
  CHECK(b.push(rec("a", event_kind::update, "u2")) == 1);
  CHECK(b.dropped_other() == 1);
  CHECK(b.dropped_snapshots() == 0);
  CHECK(b.front().value == "st");
  CHECK(b.bytes() == 2 + 1 + 2 + 1);
}

TEST_CASE("kafka epoch is stable, short and changes with what offsets "
          "depend on") {
  auto e = kafka_epoch("F217SriTSJWUztlEa_94Fg", "flux.events", 3);
  CHECK(e == kafka_epoch("F217SriTSJWUztlEa_94Fg", "flux.events", 3));
  CHECK(e.size() <= 15);
  CHECK(e.rfind("k", 0) == 0);
  CHECK(e.substr(e.size() - 2) == "-3");
  CHECK(e != kafka_epoch("F217SriTSJWUztlEa_94Fg", "flux.events", 2));
  CHECK(e != kafka_epoch("another-cluster", "flux.events", 3));
  CHECK(e != kafka_epoch("F217SriTSJWUztlEa_94Fg", "other.topic", 3));
}

TEST_CASE("kafka properties are checked by librdkafka") {
  CHECK(check_kafka_properties({"socket.timeout.ms=5000",
                                "security.protocol=plaintext"})
          .empty());
  CHECK(check_kafka_properties({"no-equals-sign"}).size() == 1);
  CHECK(check_kafka_properties({"no.such.property=1"}).size() == 1);
  CHECK(check_kafka_properties({"socket.timeout.ms=abc"}).size() == 1);
  std::string k;
  std::string v;
  CHECK(split_property(" linger.ms = 5", k, v));
  CHECK(k == "linger.ms");
  CHECK(v == "5");
  CHECK_FALSE(split_property("=5", k, v));
}

TEST_CASE("kafka statistics give broker state, lag and committed offsets") {
  std::string json = R"({"name":"flux-consumer#consumer-1","msg_cnt":0,
    "brokers":{
      "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"state":"UP"},
      "127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"state":"DOWN","rtt":{"avg":120}}},
    "topics":{"flux.events":{"topic":"flux.events","partitions":{
      "0":{"partition":0,"hi_offset":100,"committed_offset":90,"stored_offset":95,
           "consumer_lag":10,"fetch_state":"active","msgq_cnt":1,"xmit_msgq_cnt":2},
      "-1":{"partition":-1,"hi_offset":-1}}}},
    "cgrp":{"state":"up","join_state":"steady","rebalance_cnt":2}})";
  kafka_stats s;
  REQUIRE(parse_kafka_stats(json.data(), json.size(), "flux.events", s));
  CHECK(s.brokers.size() == 2);
  CHECK_FALSE(s.any_broker_up()); // the bootstrap pseudo-broker does not count
  REQUIRE(s.partitions.count(0) == 1);
  CHECK(s.partitions.count(-1) == 0);
  CHECK(s.partitions[0].hi_offset == 100);
  CHECK(s.partitions[0].committed_offset == 90);
  CHECK(s.partitions[0].consumer_lag == 10);
  CHECK(s.partitions[0].msgq_cnt == 3);
  CHECK(s.cgrp_state == "up");
  CHECK(s.rebalance_cnt == 2);
  CHECK_FALSE(parse_kafka_stats("{", 1, "x", s));
}

TEST_CASE("broker health transitions") {
  broker_health h;
  CHECK_FALSE(h.ok());
  CHECK(h.mark_up(1000));
  CHECK_FALSE(h.mark_up(1100));
  CHECK(h.mark_down(2000, "1/1 brokers are down"));
  CHECK_FALSE(h.mark_down(2500, "still down"));
  CHECK(h.reason == "still down");
  CHECK(h.outages == 1);
  CHECK(h.mark_up(5000));
  CHECK(h.last_outage_ms == 3000);
  CHECK(h.reason.empty());
}

TEST_CASE("node roles") {
  node_role r;
  CHECK(parse_node_role("gateway", r));
  CHECK(r == node_role::gateway);
  CHECK_FALSE(produces(r));
  CHECK(consumes(r));
  CHECK(parse_node_role("pollers", r));
  CHECK(produces(r));
  CHECK_FALSE(consumes(r));
  CHECK_FALSE(parse_node_role("both", r));
}

TEST_CASE("kafka configuration is validated") {
  flux_config cfg;
  CHECK(cfg.validate().empty()); // embedded by default
  cfg.node.role = "gateway";
  CHECK(cfg.validate().size() == 1); // gateway alone needs kafka
  cfg.bus.kind = "kafka";
  cfg.bus.brokers = "127.0.0.1:9092";
  CHECK(cfg.validate().empty());
  cfg.bus.kafka_properties = {"security.protocol=bogus"};
  CHECK(cfg.validate().size() == 1);
  cfg.bus.kafka_properties = {"security.protocol=plaintext"};
  cfg.bus.kind = "rabbit";
  CHECK_FALSE(cfg.validate().empty());
  cfg.bus.kind = "kafka";
  cfg.node.role = "everything";
  CHECK(cfg.validate().size() == 1);
}
