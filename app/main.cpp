// flux: one process running the simulated domain pollers, the embedded
// event bus, the rooms and the gateway (see docs/architecture.md).

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "app/shutdown.hpp"
#include "app/sources.hpp"
#include "app/startup.hpp"
#include "auth/access_policy.hpp"
#include "cluster/cluster_transport.hpp"
#include "config/flux_config.hpp"
#include "core/process.hpp"
#include "core/shutdown_watchdog.hpp"
#include "core/type_ids.hpp"
#include "gateway/server.hpp"
#include "runtime/node.hpp"

using namespace flux;

namespace {

// The node's start-up, step by step, then its stop.
int run(flux_config& cfg,
        std::shared_ptr<const auth::access_policy> access) {
  process_start_ms(); // /stats counts the uptime from here
  app::start_logging(cfg);
  app::log_access(*access);
  auto stop_signals = app::block_stop_signals();
  // Declared before the actor system so that it also bounds its teardown.
  std::optional<shutdown_watchdog> watchdog;
  caf::actor_system sys{cfg};
  app::node_context n{sys, cfg, sys.spawn(node), app::configured_role(cfg)};

  auto event_bus = app::start_bus(n);
  std::shared_ptr<httpc::client> http;
  if (!app::start_connectors(n, http))
    return 1;
  auto sources = app::domain_sources(cfg, http);
  auto ingest_rooms = app::ingest_rooms(cfg);
  auto directory = app::start_room_directory(
    n, app::served_rooms(cfg, n.role, sources, ingest_rooms), event_bus);
  cluster_actor peers;
  if (cfg.clustered() && !app::start_cluster(n, directory, peers))
    return 1;
  app::start_domains(n, app::poller_specs(cfg, n.role, sources, event_bus));
  gateway::server server{
    sys, app::gateway_options(n, std::move(ingest_rooms), event_bus,
                         std::move(access)), n.node,
    directory};
  if (!app::start_gateway(n, server, peers))
    return 1;

  app::wait_for_stop_signal(stop_signals);
  watchdog.emplace(std::chrono::milliseconds{cfg.node.shutdown_timeout_ms});
  app::shut_down(n, server, http, *watchdog);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // `--help` lists every option of every group (CAF's long help).
  std::vector<std::string> args;
  bool has_config_file = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "-?")
      a = "--long-help";
    if (a.rfind("--config-file", 0) == 0)
      has_config_file = true;
    args.push_back(a);
  }
  flux_config cfg;
  cfg.add_message_types<caf::id_block::flux>();
  // Default config file: config/flux.ini in the working directory, if any.
  auto err = has_config_file ? cfg.parse(args)
                             : cfg.parse(args, "config/flux.ini");
  if (err) {
    std::cerr << "flux: invalid configuration: " << cfg.render(err) << "\n"
              << "flux: run 'flux --help' for the list of options\n";
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  cfg.auth.anonymous_rooms_set = cfg.is_set("auth.anonymous-rooms");
  auto problems = cfg.validate();
  auto access = auth::access_policy::load(cfg.auth, problems);
  if (!problems.empty()) {
    for (auto& p : problems)
      std::cerr << "flux: invalid configuration: " << p << "\n";
    return 2;
  }
  // CAF networking: only a clustered node pays for it.
  if (cfg.clustered() && !load_cluster_networking(cfg, cfg.cluster)) {
    std::cerr << "flux: cannot secure the cluster port: the fix for CAF's "
                 "OpenSSL error queue is not in effect "
                 "(cluster/openssl_error_queue.hpp)\n";
    return 1;
  }
  return run(cfg, std::move(access));
}
