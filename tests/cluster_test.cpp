// The cluster actor over real CAF networking: two actor systems in this
// process, each with its middleman, joined on 127.0.0.1.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <rapidjson/document.h>

#include "cluster/cluster.hpp"
#include "core/type_ids.hpp"
#include "runtime/node.hpp"

using namespace flux;
using namespace std::chrono_literals;

namespace {

struct net_config : caf::actor_system_config {
  net_config() {
    load<caf::io::middleman>();
    add_message_types<caf::id_block::flux>();
    set("scheduler.max-threads", 1);
    set("middleman.heartbeat-interval", caf::timespan{200ms});
    set("middleman.connection-timeout", caf::timespan{2s});
  }
};

// One gateway node's actor system with a node actor and a cluster actor,
// published on 127.0.0.1:port (0 picks one).
struct cluster_node {
  net_config cfg;
  caf::actor_system sys{cfg};
  node_actor node = sys.spawn(flux::node);
  cluster_actor cluster;
  uint16_t port = 0;

  cluster_node(std::vector<std::string> peers, uint16_t want_port = 0) {
    cluster_options opts;
    opts.peers = std::move(peers);
    opts.retry_min = 50ms;
    opts.retry_max = 200ms;
    cluster = sys.spawn(flux::cluster, opts, node);
    auto published = sys.middleman().publish(cluster, want_port, "127.0.0.1",
                                             true);
    REQUIRE(published);
    port = *published;
    caf::anon_send(cluster, atom::publish_v, address());
  }

  ~cluster_node() {
    caf::anon_send_exit(cluster, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  }

  std::string address() const {
    return "127.0.0.1:" + std::to_string(port);
  }

  rapidjson::Document status() {
    caf::scoped_actor self{sys};
    std::string text;
    self->request(cluster, 2s, atom::status_v)
      .receive([&](const std::string& s) { text = s; },
               [&](caf::error&) {});
    rapidjson::Document d;
    d.Parse(text.c_str());
    return d;
  }

  // The state of the peer with this address ("" if not known).
  std::string peer_state(const std::string& address) {
    auto d = status();
    if (!d.IsObject())
      return "";
    for (auto& p : d["peers"].GetArray())
      if (p["address"].GetString() == address)
        return p["state"].GetString();
    return "";
  }

  uint64_t peers_up() {
    auto d = status();
    return d.IsObject() ? d["peers_up"].GetUint64() : 0;
  }
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

// A stand-in room directory: collects the records its cluster hands over.
struct record_sink {
  explicit record_sink(cluster_node& n) : self(n.sys) {
    caf::anon_send(n.cluster, atom::subscribe_v,
                   caf::actor_cast<forwarded_actor>(self));
  }

  // The offsets of the next `n` forwarded records of `epoch`, in arrival
  // order (fewer if they do not come within the limit).
  std::vector<int64_t> take(size_t n, const std::string& epoch) {
    std::vector<int64_t> got;
    bool timed_out = false;
    while (got.size() < n && !timed_out)
      self->receive(
        [&](atom::forwarded, const std::string& e, int32_t, int64_t offset,
            const std::string& value) {
          if (e == epoch && value == "v" + std::to_string(offset))
            got.push_back(offset);
        },
        caf::after(5s) >> [&] { timed_out = true; });
    return got;
  }

  caf::scoped_actor self;
};

void forward_range(cluster_node& from, const std::string& epoch, int64_t first,
                   int64_t count) {
  for (auto i = first; i < first + count; ++i)
    caf::anon_send(from.cluster, atom::forward_v, epoch, int32_t{0}, i,
                   "v" + std::to_string(i));
}

std::vector<int64_t> iota(int64_t first, int64_t count) {
  std::vector<int64_t> v;
  for (auto i = first; i < first + count; ++i)
    v.push_back(i);
  return v;
}

} // namespace

TEST_CASE("cluster peers dial each other, forward records in order both "
          "ways, and report each other on cluster-wide stats") {
  cluster_node a{{}};
  cluster_node b{{a.address()}}; // only b lists a: a learns b from its hello
  REQUIRE(eventually([&] { return a.peers_up() == 1 && b.peers_up() == 1; }));
  CHECK(b.peer_state(a.address()) == "up");
  CHECK(a.peer_state(b.address()) == "up");

  record_sink at_a{a}, at_b{b};
  forward_range(a, "e1", 0, 200);
  CHECK(at_b.take(200, "e1") == iota(0, 200));
  forward_range(b, "e2", 1000, 50);
  CHECK(at_a.take(50, "e2") == iota(1000, 50));
  CHECK(a.status()["forwarded_out"].GetUint64() == 200);
  CHECK(a.status()["forwarded_in"].GetUint64() == 50);

  // Cluster-wide stats: this node first, then each peer's own /stats
  // document (its node actor's status), fetched over the network.
  caf::scoped_actor self{a.sys};
  std::string text;
  self->request(a.cluster, 5s, atom::get_v, atom::status_v, true)
    .receive([&](const std::string& s) { text = s; },
             [&](caf::error& err) { FAIL(to_string(err)); });
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE(d.IsObject());
  CHECK(std::string{d["cluster"].GetString()} == a.address());
  auto& nodes = d["nodes"];
  REQUIRE(nodes.Size() == 2);
  CHECK(std::string{nodes[0]["state"].GetString()} == "self");
  CHECK(std::string{nodes[1]["address"].GetString()} == b.address());
  CHECK(std::string{nodes[1]["state"].GetString()} == "up");
  REQUIRE(nodes[1].HasMember("stats"));
  CHECK(nodes[1]["stats"].HasMember("actors"));
  CHECK(nodes[1]["stats"]["state"].IsString());
}

TEST_CASE("a cluster peer that goes away is reported down, and is dialled "
          "again until it is back") {
  auto b = std::make_unique<cluster_node>(std::vector<std::string>{});
  auto b_port = b->port;
  auto b_addr = b->address();
  cluster_node a{{b_addr}};
  REQUIRE(eventually([&] { return a.peer_state(b_addr) == "up"; }));

  b.reset(); // the whole node goes: its connections close
  REQUIRE(eventually([&] { return a.peer_state(b_addr) == "down"; }));
  // Nothing is sent to a peer that is down, and nothing breaks.
  forward_range(a, "e1", 0, 10);
  CHECK(a.status()["peers_up"].GetUint64() == 0);

  // A new node on the same address: a's retries find it.
  auto b2 = std::make_unique<cluster_node>(std::vector<std::string>{}, b_port);
  REQUIRE(eventually([&] { return a.peer_state(b_addr) == "up"; }, 15s));
  record_sink at_b2{*b2};
  forward_range(a, "e3", 7, 20);
  CHECK(at_b2.take(20, "e3") == iota(7, 20));
  auto d = a.status();
  for (auto& p : d["peers"].GetArray())
    if (std::string{p["address"].GetString()} == b_addr) {
      CHECK(p["losses"].GetUint64() == 1);
      CHECK(p["connects"].GetUint64() == 2);
    }
}
