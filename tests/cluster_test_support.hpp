#pragma once

// What the cluster tests share: a gateway node's actor system with its
// node actor and cluster actor on 127.0.0.1 (over mutual TLS unless told
// otherwise), a stand-in room directory that collects forwarded records,
// and polling helpers.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <rapidjson/document.h>

#include "cluster/cluster.hpp"
#include "cluster/cluster_transport.hpp"
#include "core/type_ids.hpp"
#include "runtime/node.hpp"
#include "test_pki.hpp"

namespace flux::tests {

using namespace std::chrono_literals;

struct net_config : caf::actor_system_config {
  explicit net_config(const cluster_options& transport) {
    if (!load_cluster_networking(*this, transport))
      throw std::runtime_error("cluster networking: the OpenSSL fix is off");
    add_message_types<caf::id_block::flux>();
    set("scheduler.max-threads", 1);
    set("middleman.heartbeat-interval", caf::timespan{200ms});
    set("middleman.connection-timeout", caf::timespan{2s});
  }
};

// One gateway node's actor system with a node actor and a cluster actor,
// published on 127.0.0.1:port (0 picks one), carried as `transport` says
// (its cluster.tls-* or cluster.plaintext).
struct cluster_node {
  net_config cfg;
  caf::actor_system sys{cfg};
  node_actor node = sys.spawn(flux::node);
  cluster_actor cluster;
  uint16_t port = 0;

  explicit cluster_node(std::vector<std::string> peers,
                        uint16_t want_port = 0,
                        cluster_options transport = tls_transport("node-a"))
    : cfg{transport} {
    auto opts = std::move(transport);
    opts.peers = std::move(peers);
    opts.retry_min = 50ms;
    opts.retry_max = 200ms;
    cluster = sys.spawn(flux::cluster, opts, node);
    auto published = publish_cluster(sys, cluster, "127.0.0.1", want_port,
                                     opts);
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

inline void forward_range(cluster_node& from, const std::string& epoch,
                          int64_t first, int64_t count) {
  for (auto i = first; i < first + count; ++i)
    caf::anon_send(from.cluster, atom::forward_v, epoch, int32_t{0}, i,
                   "v" + std::to_string(i));
}

inline std::vector<int64_t> iota(int64_t first, int64_t count) {
  std::vector<int64_t> v;
  for (auto i = first; i < first + count; ++i)
    v.push_back(i);
  return v;
}

} // namespace flux::tests
