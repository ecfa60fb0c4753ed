// cluster-forward: how many records per second one cluster node forwards to
// a peer over CAF networking (cluster/cluster.cpp). Two actor systems in this
// process, joined on 127.0.0.1 as two gateway nodes would be; the peer's
// "room directory" is a scoped actor that counts what arrives.
//   cluster-forward [RECORDS] [BYTES]   (default 200000 records of 300 B)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

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
  }
};

// Spawns a node's cluster actor, publishes it and tells it where.
cluster_actor start_cluster(caf::actor_system& sys, const node_actor& node,
                            std::vector<std::string> peers, uint16_t& port) {
  cluster_options opts;
  opts.plaintext = true; // the plain link's figure (docs/benchmarks.md)
  opts.peers = std::move(peers);
  auto c = sys.spawn(flux::cluster, opts, node);
  port = *sys.middleman().publish(c, 0, "127.0.0.1", true);
  caf::anon_send(c, atom::publish_v, "127.0.0.1:" + std::to_string(port));
  return c;
}

} // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  const std::string value(argc > 2 ? std::atoi(argv[2]) : 300, 'x');
  net_config cfg_a, cfg_b;
  caf::actor_system a{cfg_a}, b{cfg_b};
  auto node_a = a.spawn(flux::node);
  auto node_b = b.spawn(flux::node);
  uint16_t port_a = 0, port_b = 0;
  auto cluster_a = start_cluster(a, node_a, {}, port_a);
  auto cluster_b = start_cluster(b, node_b,
                                 {"127.0.0.1:" + std::to_string(port_a)},
                                 port_b);
  caf::scoped_actor sink{b};
  caf::anon_send(cluster_b, atom::subscribe_v,
                 caf::actor_cast<forwarded_actor>(sink));
  std::this_thread::sleep_for(1s); // the peers dial and say hello
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    caf::anon_send(cluster_a, atom::forward_v, std::string{"k1-0"},
                   int32_t{0}, int64_t{i}, value);
  int got = 0;
  bool timed_out = false;
  while (got < n && !timed_out)
    sink->receive([&](atom::forwarded, const std::string&, int32_t, int64_t,
                      const std::string&) { ++got; },
                  caf::after(10s) >> [&] { timed_out = true; });
  auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
             .count();
  std::printf("cluster-forward: %d of %d records of %zu B forwarded in %.2f s: "
              "%.0f records/s\n",
              got, n, value.size(), s, got / s);
  for (auto& h : {cluster_a, cluster_b})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  for (auto& h : {node_a, node_b})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  return got == n ? 0 : 1;
}
