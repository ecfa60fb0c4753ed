#pragma once

#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "bus/kafka_bus.hpp"
#include "config/flux_config.hpp"
#include "domains/http_client.hpp"
#include "gateway/server.hpp"
#include "rooms/room_directory.hpp"
#include "runtime/child_spec.hpp"

// The steps of a node's start-up, in the order run() (app/main.cpp) takes
// them. Each registers the actors it spawns with the node actor, which
// monitors them, reports them on /stats and ends them at shutdown
// (runtime/node.hpp). A step that fails logs why, prints it on stderr, ends
// the node and returns false; the process then exits with code 1.
namespace flux::app {

struct node_context {
  caf::actor_system& sys;
  const flux_config& cfg;
  node_actor node;
  bus::node_role role;
};

// log.level and log.format.
void start_logging(const flux_config& cfg);

// node.role (validated before).
bus::node_role configured_role(const flux_config& cfg);

// The event bus: the embedded log, or Kafka behind a stable bus actor with
// a supervised producer and/or consumer (by node.role).
bus_actor start_bus(const node_context& n);

// The live connectors' HTTP client, on its own Asio threads
// (domains.mode=live only: `http` stays empty otherwise).
bool start_connectors(const node_context& n,
                      std::shared_ptr<httpc::client>& http);

room_directory_actor start_room_directory(const node_context& n,
                                          std::vector<room_decl> rooms,
                                          const bus_actor& event_bus);

// Clustered: publishes the cluster actor for the peers, then dials them
// (docs/cluster.md).
bool start_cluster(const node_context& n,
                   const room_directory_actor& directory,
                   cluster_actor& out);

// The supervisor of the pollers.
void start_domains(const node_context& n, std::vector<child_spec> pollers);

// The gateway's options with its sessions' and ingest's, and the gateway.*
// options a session uses too; ingest publishes to `event_bus` when the node
// produces; `access` (tokens, room permissions) goes to all three.
gateway::options
gateway_options(const node_context& n, std::vector<gateway::ingest_room> ingest,
                const bus_actor& event_bus,
                std::shared_ptr<const auth::access_policy> access);

// Says at start what a client needs to get in (auth.*), and warns when
// keys are set but every room is still open without a token.
void log_access(const auth::access_policy& access);

// Binds the gateway (`peers`: empty unless clustered) and prints its
// URLs.
bool start_gateway(const node_context& n, gateway::server& server,
                   const cluster_actor& peers);

} // namespace flux::app
