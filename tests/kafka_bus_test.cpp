// The Kafka bus actor on CAF's deterministic test coordinator, with stand-in
// producer and consumer actors (no broker needed): forwarding across child
// restarts, buffering while no producer is attached, keeping unconfirmed
// events for a restarted producer, readiness merging (ok, degraded, down)
// and roles.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "bus/kafka_bus.hpp"
#include "core/type_ids.hpp"

using namespace flux;
using namespace flux::bus;
using flux::tests::end_all;

namespace {

// Stands in for the node, the producer, the consumer and the directory.
struct stub_state {
  std::vector<std::string> published; // event ids
  std::vector<uint64_t> seqs;          // the bus's publish numbers
  std::vector<std::string> subscribed;
  std::vector<std::pair<int32_t, int64_t>> commits;
  std::vector<std::string> ready; // "component:ok:reason"
};

caf::behavior stub(caf::stateful_actor<stub_state>* self) {
  return {
    [self](atom::publish, uint64_t seq, const event& e) {
      self->state.published.push_back(e.id);
      self->state.seqs.push_back(seq);
    },
    [self](atom::subscribe, const std::string& topic, const std::string& group,
           const record_actor&) -> int32_t {
      self->state.subscribed.push_back(topic + "/" + group);
      return 4;
    },
    [self](atom::commit, const std::string&, const std::string&, int32_t p,
           int64_t next) { self->state.commits.emplace_back(p, next); },
    [self](atom::health, const std::string& who, bool ok,
           const std::string& reason, bool serving) {
      self->state.ready.push_back(
        who + ":" + (ok ? "ok" : serving ? "degraded" : "down") + ":" + reason);
    },
    [self](atom::deliver, const std::string&, int32_t, int64_t,
           const std::string&) {},
  };
}

struct fixture : tests::fixture {
  stub_state& stub_of(const caf::actor& a) { return state_of<stub_state>(a); }

  kafka_bus_state& bus_of(const kafka_bus_actor& a) {
    return state_of<kafka_bus_state>(a);
  }

  kafka_bus_actor spawn_bus(node_role role, const caf::actor& node) {
    kafka_bus_options o;
    o.role = role;
    o.kafka.topic = "t";
    o.kafka.group = "g";
    o.kafka.partitions = 4;
    // The bus keeps buffer_events + max_in_flight unconfirmed events.
    o.kafka.buffer_events = 2;
    o.kafka.max_in_flight = 1;
    return sys.spawn(kafka_bus, o, caf::actor_cast<node_actor>(node));
  }

  static event ev(const std::string& id, event_kind kind = event_kind::update) {
    event e;
    e.id = id;
    e.room = "r";
    e.kind = kind;
    e.key = "k";
    e.ts = 1;
    e.data = "1";
    return e;
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "kafka bus buffers publishes until a producer "
                           "attaches, then forwards them in order") {
  auto node = sys.spawn(stub);
  auto bus = spawn_bus(node_role::all, node);
  run();
  caf::anon_send(bus, atom::publish_v, ev("a"));
  caf::anon_send(bus, atom::publish_v, ev("s1", event_kind::snapshot));
  caf::anon_send(bus, atom::publish_v, ev("b"));
  caf::anon_send(bus, atom::publish_v, ev("c")); // full: s1 goes first
  run();
  CHECK(bus_of(bus).retained.size() == 3);
  CHECK(bus_of(bus).retained.dropped_snapshots() == 1);
  auto producer = sys.spawn(stub);
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_producer_actor>(producer));
  run();
  CHECK(stub_of(producer).published == std::vector<std::string>{"a", "b", "c"});
  caf::anon_send(bus, atom::publish_v, ev("d"));
  run();
  CHECK(stub_of(producer).published.back() == "d");
  // The producer confirms all four.
  caf::anon_send(bus, atom::deliver_v, stub_of(producer).seqs);
  run();
  CHECK(bus_of(bus).retained.empty());

  // The producer dies: publishes wait again, for its successor.
  caf::anon_send_exit(producer, caf::exit_reason::kill);
  run();
  caf::anon_send(bus, atom::publish_v, ev("e"));
  run();
  auto successor = sys.spawn(stub);
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_producer_actor>(successor));
  run();
  CHECK(stub_of(successor).published == std::vector<std::string>{"e"});
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(successor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "kafka bus replays the subscription to a restarted "
                           "consumer and forwards commits") {
  auto node = sys.spawn(stub);
  auto bus = spawn_bus(node_role::gateway, node);
  auto directory = sys.spawn(stub);
  auto consumer = sys.spawn(stub);
  run();
  int32_t partitions = -1;
  auto client = sys.spawn([&](caf::event_based_actor* self) {
    self->request(bus, caf::infinite, atom::subscribe_v, std::string{"t"},
                  std::string{"g"}, caf::actor_cast<record_actor>(directory))
      .then([&](int32_t n) { partitions = n; });
  });
  run();
  CHECK(partitions == 4);
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_consumer_actor>(consumer));
  run();
  CHECK(stub_of(consumer).subscribed == std::vector<std::string>{"t/g"});
  caf::anon_send(bus, atom::commit_v, std::string{"t"}, std::string{"g"},
                 int32_t{2}, int64_t{17});
  run();
  CHECK(stub_of(consumer).commits.size() == 1);
  caf::anon_send_exit(consumer, caf::exit_reason::kill);
  run();
  auto successor = sys.spawn(stub);
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_consumer_actor>(successor));
  run();
  CHECK(stub_of(successor).subscribed == std::vector<std::string>{"t/g"});
  // The gateway role does not produce.
  caf::anon_send(bus, atom::publish_v, ev("x"));
  run();
  CHECK(bus_of(bus).rejected == 1);
  end_all(bus, directory, successor, node);
  run();
}

TEST_CASE_FIXTURE(fixture, "kafka bus hands the events a crashed producer "
                           "did not confirm to its successor, in order") {
  auto node = sys.spawn(stub);
  auto bus = spawn_bus(node_role::all, node);
  auto producer = sys.spawn(stub);
  run();
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_producer_actor>(producer));
  run();
  for (auto id : {"a", "b", "c"})
    caf::anon_send(bus, atom::publish_v, ev(id));
  run();
  REQUIRE(stub_of(producer).published
          == std::vector<std::string>{"a", "b", "c"});
  auto seqs = stub_of(producer).seqs;
  // Only "b" is delivered (deliveries may confirm out of order).
  caf::anon_send(bus, atom::deliver_v, std::vector<uint64_t>{seqs[1]});
  run();
  CHECK(bus_of(bus).retained.size() == 2);
  CHECK(bus_of(bus).confirmed == 1);
  // The producer crashes with "a" and "c" in its buffer or librdkafka's
  // queue; "d" arrives while it is being restarted.
  caf::anon_send_exit(producer, caf::exit_reason::kill);
  run();
  caf::anon_send(bus, atom::publish_v, ev("d"));
  run();
  auto successor = sys.spawn(stub);
  caf::anon_send(bus, atom::join_v,
                 caf::actor_cast<kafka_producer_actor>(successor));
  run();
  CHECK(stub_of(successor).published
        == std::vector<std::string>{"a", "c", "d"});
  CHECK(stub_of(successor).seqs
        == std::vector<uint64_t>{seqs[0], seqs[2], seqs[2] + 1});
  CHECK(bus_of(bus).replayed == 2);
  // A late confirmation from the dead producer and the successor's own
  // both just release the events; unknown numbers are ignored.
  caf::anon_send(bus, atom::deliver_v, std::vector<uint64_t>{seqs[0]});
  caf::anon_send(bus, atom::deliver_v, stub_of(successor).seqs);
  caf::anon_send(bus, atom::deliver_v, std::vector<uint64_t>{999});
  run();
  CHECK(bus_of(bus).retained.empty());
  CHECK(bus_of(bus).confirmed == 4);
  end_all(bus, successor, node);
  run();
}

TEST_CASE("bounded buffer reports each record it drops") {
  bounded_buffer<pending_record> b{2};
  std::vector<uint64_t> dropped;
  auto on_drop = [&](const pending_record& r) { dropped.push_back(r.seq); };
  auto rec = [](uint64_t seq, event_kind k) {
    pending_record r;
    r.seq = seq;
    r.kind = k;
    return r;
  };
  b.push(rec(1, event_kind::update), on_drop);
  b.push(rec(2, event_kind::snapshot), on_drop);
  CHECK(b.push(rec(3, event_kind::update), on_drop) == 1); // the snapshot
  CHECK(b.push(rec(4, event_kind::update), on_drop) == 1); // then the oldest
  CHECK(dropped == std::vector<uint64_t>{2, 1});
  CHECK(b.erase_seq(4));
  CHECK(!b.erase_seq(4));
  CHECK(b.size() == 1);
  CHECK(b.front().seq == 3);
  bounded_buffer<pending_record> none{0};
  CHECK(none.push(rec(7, event_kind::update), on_drop) == 1);
  CHECK(dropped.back() == 7);
}

TEST_CASE_FIXTURE(fixture, "kafka bus merges the clients' readiness into one "
                           "node component") {
  auto node = sys.spawn(stub);
  auto bus = spawn_bus(node_role::all, node);
  run();
  auto& ready = stub_of(node).ready;
  REQUIRE(!ready.empty());
  CHECK(ready.back().rfind("kafka:down:", 0) == 0);
  caf::anon_send(bus, atom::health_v, std::string{"producer"}, true,
                 std::string{}, false);
  run();
  CHECK(ready.back().rfind("kafka:down:", 0) == 0); // consumer not yet
  caf::anon_send(bus, atom::health_v, std::string{"consumer"}, true,
                 std::string{}, false);
  run();
  CHECK(ready.back() == "kafka:ok:");
  caf::anon_send(bus, atom::health_v, std::string{"consumer"}, false,
                 std::string{"kafka: broker down: 1/1 brokers are down"},
                 false);
  run();
  // Ready before, and the broker is away: degraded (still serving).
  CHECK(ready.back()
        == "kafka:degraded:kafka: broker down: 1/1 brokers are down");
  auto n = ready.size();
  // The same state again is not reported again.
  caf::anon_send(bus, atom::health_v, std::string{"consumer"}, false,
                 std::string{"kafka: broker down: 1/1 brokers are down"},
                 false);
  run();
  CHECK(ready.size() == n);
  caf::anon_send(bus, atom::health_v, std::string{"consumer"}, true,
                 std::string{}, false);
  run();
  CHECK(ready.back() == "kafka:ok:");
  // A refusal is not an outage: not ready, even after having been ready.
  caf::anon_send(bus, atom::health_v, std::string{"producer"}, false,
                 std::string{"kafka: cannot create topic 't': denied"},
                 false);
  run();
  CHECK(ready.back() == "kafka:down:kafka: cannot create topic 't': denied");
  // An outage on top of a refusal is still not ready.
  caf::anon_send(bus, atom::health_v, std::string{"consumer"}, false,
                 std::string{"kafka: broker down: 1/1 brokers are down"},
                 false);
  run();
  CHECK(ready.back().rfind("kafka:down:", 0) == 0);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_FIXTURE(fixture, "kafka bus in the pollers role does not consume") {
  auto node = sys.spawn(stub);
  auto bus = spawn_bus(node_role::pollers, node);
  run();
  int32_t partitions = -1;
  auto client = sys.spawn([&](caf::event_based_actor* self) {
    self->request(bus, caf::infinite, atom::subscribe_v, std::string{"t"},
                  std::string{"g"},
                  caf::actor_cast<record_actor>(caf::actor{self}))
      .then([&](int32_t n) { partitions = n; });
  });
  run();
  CHECK(partitions == 0);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  run();
}
