// The cluster actor over real CAF networking: actor systems in this
// process, each with its middleman and CAF's OpenSSL module, joined on
// 127.0.0.1 over mutual TLS (cluster_tls_test.cpp: who is refused).
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>

#include "cluster_test_support.hpp"

using namespace flux;
using namespace std::chrono_literals;

using flux::tests::cluster_node;
using flux::tests::eventually;
using flux::tests::forward_range;
using flux::tests::iota;
using flux::tests::record_sink;

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
