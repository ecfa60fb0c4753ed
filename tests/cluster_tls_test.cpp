// The cluster port's mutual TLS over real CAF connections on 127.0.0.1
// (certificates from tests/tls/make-test-pki.sh): who may join, and that a
// node which may not cannot hand a record to a room directory.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "cluster_test_support.hpp"

using namespace flux;
using namespace flux::tests;
using namespace std::chrono_literals;

namespace {

// The entry of the peer at `address` in `n`'s status, as "state/connects"
// ("" if `n` does not know it).
std::string peer_summary(cluster_node& n, const std::string& address) {
  auto d = n.status();
  if (!d.IsObject())
    return "";
  for (auto& p : d["peers"].GetArray())
    if (p["address"].GetString() == address)
      return std::string{p["state"].GetString()} + "/"
             + std::to_string(p["connects"].GetUint64());
  return "";
}

std::string last_error(cluster_node& n, const std::string& address) {
  auto d = n.status();
  for (auto& p : d["peers"].GetArray())
    if (p["address"].GetString() == address && p.HasMember("last_error"))
      return p["last_error"].GetString();
  return "";
}

} // namespace

TEST_CASE("cluster TLS: nodes with certificates from the cluster's CA join, "
          "a node with a foreign certificate is refused both ways and its "
          "records never arrive") {
  // `dialled` is only dialled (a is its TLS client); `dialler` dials a and
  // b (they are its TLS servers).
  cluster_node dialled{{}, 0, tls_transport("foreign", "foreign-ca")};
  cluster_node a{{dialled.address()}, 0, tls_transport("node-a")};
  cluster_node b{{a.address()}, 0, tls_transport("node-b")};
  cluster_node dialler{{a.address(), b.address()}, 0,
                       tls_transport("foreign", "foreign-ca")};
  REQUIRE(eventually([&] { return a.peers_up() == 1 && b.peers_up() == 1; }));
  CHECK(a.peer_state(b.address()) == "up");

  record_sink at_a{a}, at_b{b};
  forward_range(dialled, "foreign", 0, 20);
  forward_range(dialler, "foreign", 100, 20);
  // Many retries (50 to 200 ms apart) get their chance to slip through.
  std::this_thread::sleep_for(3s);
  forward_range(dialled, "foreign", 20, 20);
  forward_range(dialler, "foreign", 120, 20);
  forward_range(b, "ours", 0, 10); // the link that is up carries records
  CHECK(at_a.take(10, "ours") == iota(0, 10));
  CHECK(at_a.take(1, "foreign").empty());
  CHECK(at_b.take(1, "foreign").empty());

  CHECK(a.peers_up() == 1);
  CHECK(b.peers_up() == 1);
  CHECK(dialled.peers_up() == 0);
  CHECK(dialler.peers_up() == 0);
  CHECK(peer_summary(a, dialled.address()) == "connecting/0");
  CHECK(peer_summary(dialler, a.address()) == "connecting/0");
  CHECK(peer_summary(dialler, b.address()) == "connecting/0");
  MESSAGE("a dialling the foreign node: " << last_error(a, dialled.address()));
  MESSAGE("the foreign node dialling a: "
          << last_error(dialler, a.address()));
  CHECK(a.status()["forwarded_in"].GetUint64() == 10);
  CHECK(b.status()["forwarded_in"].GetUint64() == 0);
}

TEST_CASE("cluster TLS: a plain TCP node and a TLS node never join") {
  cluster_node tls{{}, 0, tls_transport("node-a")};
  cluster_node plain{{tls.address()}, 0, plaintext_transport()};
  cluster_node tls_dialler{{plain.address()}, 0, tls_transport("node-b")};
  record_sink at_tls{tls}, at_plain{plain};
  std::this_thread::sleep_for(2s);
  forward_range(plain, "plain", 0, 10);
  forward_range(tls_dialler, "tls", 0, 10);
  CHECK(at_tls.take(1, "plain").empty());
  CHECK(at_plain.take(1, "tls").empty());
  CHECK(tls.peers_up() == 0);
  CHECK(plain.peers_up() == 0);
  CHECK(tls_dialler.peers_up() == 0);
  CHECK(peer_summary(plain, tls.address()) == "connecting/0");
  CHECK(peer_summary(tls_dialler, plain.address()) == "connecting/0");
}
