#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "cluster/cluster_options.hpp"
#include "core/actor_stats.hpp"
#include "core/actors.hpp"

// The cluster actor joins this gateway node to its peers over CAF
// networking (docs/cluster.md). Each node publishes its cluster actor on
// cluster.listen and connects to every address in cluster.peers, retrying
// with backoff; a peer that connects first is taken as a peer too. Kafka's
// consumer group splits the partitions among the nodes; the room directory
// hands every record it consumed to the cluster actor, which forwards it to
// each peer that is up; a peer's cluster actor hands it to its own room
// directory as a forwarded record (applied, never committed). So every node
// serves every room while reading only its share of Kafka. Positions are
// partition offsets, the same on every node: a client can resume anywhere,
// and a record that arrives twice (forwarded, then consumed after a
// rebalance) is dropped by the room.
//
// Messages (cluster_actor in core/actors.hpp):
//   (publish_atom, address)  published at host:port: dial the peers now
//   (subscribe_atom, directory)                   the local room directory
//   (forward_atom, epoch, partition, offset, value)
//       from the local directory: send to every peer that is up
//   (forwarded_atom, epoch, partition, offset, value)
//       from a peer: hand to the local directory
//   (join_atom, peer, name, address)  a peer's hello; answered with ours
//   (status_atom) -> std::string JSON: this node's peers and counters
//   (get_atom, status_atom, cluster_wide:bool) -> std::string JSON
//       the node's /stats document; cluster-wide: {"cluster": name,
//       "nodes": [{"name", "address", "state", "stats" | "error"}, ...]}
//   (connect_atom, index, generation)  internal: retry timer
namespace flux {

struct cluster_peer {
  std::string address;            // host:port we connect to; "" if unknown
  bool configured = false;        // listed in cluster.peers
  std::string name;               // the peer's node name, once it said hello
  cluster_actor handle;           // its cluster actor while up
  std::string state = "connecting"; // connecting | up | down
  int64_t since_ms = 0;           // when it entered that state
  std::string last_error;
  uint64_t connects = 0;          // times it came up
  uint64_t losses = 0;            // times it went down
  uint64_t forwarded_out = 0;     // records sent to it
  uint64_t forwarded_in = 0;      // records it sent us
  std::chrono::milliseconds backoff{0};
  uint64_t generation = 0;        // stale retry timers carry an older one
};

struct cluster_state {
  static inline const char* name = "cluster";
  cluster_options opts;
  node_actor node;
  forwarded_actor directory;
  std::vector<cluster_peer> peers;
  actor_counters counters;
  uint64_t forwarded_out = 0;   // records forwarded (one per record, any peers)
  uint64_t forwarded_in = 0;    // records received from peers
  uint64_t dropped_in = 0;      // received before the directory was known
};

// The cluster actor's own figures in its status reply: its peers.
void write_status(json::writer& w, const cluster_state& st);

cluster_actor::behavior_type
cluster(cluster_actor::stateful_pointer<cluster_state> self,
        cluster_options opts, node_actor node);

// Splits "host:port"; false (with a reason) if it is not one.
bool parse_peer_address(const std::string& text, std::string& host,
                        uint16_t& port, std::string& why);

} // namespace flux
