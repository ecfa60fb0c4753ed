#pragma once

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "auth/auth_options.hpp"
#include "bus/bus_options.hpp"
#include "cluster/cluster_options.hpp"
#include "core/log_options.hpp"
#include "domains/bench_options.hpp"
#include "domains/connectors_options.hpp"
#include "domains/domains_options.hpp"
#include "gateway/gateway_options.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/ops_options.hpp"
#include "rooms/room_options.hpp"
#include "runtime/node_options.hpp"
#include "sessions/session_options.hpp"

// Every option of a Flux process: one member per ini section, each the
// options struct of the component that uses it, which registers its fields
// and checks them (add_options / check_options beside the struct). Defaults
// are in those structs; the file config/flux.ini (or --config-file=PATH)
// overrides them, and command-line flags (--group.name=value) override the
// file. `--help` lists them all.
namespace flux {

class flux_config : public caf::actor_system_config {
public:
  flux_config();

  // Checks ranges and combinations that the parser cannot, each section's
  // and those that span sections; returns one readable message per problem
  // (empty when the configuration is valid).
  std::vector<std::string> validate() const;

  bool clustered() const { return cluster.clustered(); }

  // Whether the file or the command line set `name` ("group.option"), for
  // defaults that depend on other options (auth.anonymous-rooms).
  bool is_set(const std::string& name) const;

  // The gateway's own section; its session, ingest and ops members stay at
  // their defaults here (the session, ingest and ops sections are below).
  gateway::options gateway;
  session_options session;
  directory_options rooms;
  bus::bus_options bus;
  node_options node;
  cluster_options cluster;
  domains_options domains;
  connectors_options connectors;
  gateway::ingest_options ingest;
  gateway::ops_options ops;
  sim::bench_options bench;
  log_options log;
  auth::auth_options auth;
};

} // namespace flux
