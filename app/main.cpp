// flux: one process running the simulated domain pollers, the embedded
// event bus, the rooms and the gateway (see docs/architecture.md).

#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include <caf/io/middleman.hpp>

#include "bus/embedded_bus.hpp"
#include "bus/kafka_bus.hpp"
#include "cluster/cluster.hpp"
#include "config/flux_config.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/shutdown_watchdog.hpp"
#include "core/type_ids.hpp"
#include "domains/bench_source.hpp"
#include "domains/live_sources.hpp"
#include "domains/open_meteo.hpp"
#include "domains/poller.hpp"
#include "domains/simulated_sources.hpp"
#include "gateway/server.hpp"
#include "rooms/room_directory.hpp"
#include "runtime/node.hpp"
#include "runtime/supervisor.hpp"

using namespace flux;

namespace {

struct source_spec {
  std::shared_ptr<source> src;
  std::chrono::milliseconds interval;
  double calls_per_min = 0; // upstream rate limit (0: none)
  std::shared_ptr<rate_limiter> pacer; // or one shared by a host's sources
  std::string pacer_key;
};

std::vector<source_spec> simulated_sources(const domains_options& domains) {
  using ms = std::chrono::milliseconds;
  std::vector<source_spec> out;
  auto cities = sim::default_cities();
  if (!domains.cities.empty()) {
    std::vector<sim::city> chosen;
    for (auto& name : domains.cities) {
      sim::city c{name, 0, 0, 14};
      connectors::city parsed; // "Name:lat:lon" names a city anywhere
      std::string why;
      if (name.find(':') != std::string::npos
          && connectors::parse_city(name, parsed, why))
        c = sim::city{parsed.name, parsed.lat, parsed.lon, 14};
      for (auto& known : cities)
        if (known.name == c.name)
          c = known;
      chosen.push_back(c);
    }
    cities = chosen;
  }
  uint64_t seed = domains.seed;
  auto next_seed = [&] { return seed == 0 ? 0 : seed++; };
  for (auto& c : cities)
    out.push_back({sim::make_weather(c, next_seed()),
                   ms{domains.weather_interval_ms}});
  out.push_back({sim::make_news(next_seed()), ms{domains.news_interval_ms}});
  out.push_back({sim::make_stocks(next_seed()),
                 ms{domains.stocks_interval_ms}});
  auto market = sim::make_crypto_market(next_seed());
  out.push_back({sim::make_crypto_movers(market),
                 ms{domains.crypto_markets_interval_ms}});
  out.push_back({sim::make_crypto_ticker(market),
                 ms{domains.crypto_ticker_interval_ms}});
  return out;
}

// The two bus kinds take the bus.* options they use in their own structs.
bus::kafka_bus_options kafka_bus_options(const flux_config& cfg) {
  bus::kafka_bus_options k;
  bus::parse_node_role(cfg.node.role, k.role);
  k.kafka.brokers = cfg.bus.brokers;
  k.kafka.topic = cfg.bus.topic;
  k.kafka.partitions = cfg.bus.partitions;
  k.kafka.replication_factor = static_cast<int16_t>(cfg.bus.replication_factor);
  k.kafka.group = cfg.bus.group;
  k.kafka.client_id = cfg.bus.client_id;
  k.kafka.properties = cfg.bus.kafka_properties;
  k.kafka.buffer_events = cfg.bus.buffer_events;
  k.kafka.hydrate_records = cfg.bus.hydrate_records;
  return k;
}

// The gateway's options with its sessions' and ingest's, and the gateway.*
// options a session uses too.
gateway::options gateway_options(const flux_config& cfg) {
  gateway::options o = cfg.gateway;
  o.session = cfg.session;
  o.session.max_frame_bytes = cfg.gateway.max_frame_bytes;
  o.session.heartbeat_ms = cfg.gateway.heartbeat_ms;
  o.session.socketio_connect_timeout_ms =
    cfg.gateway.socketio_connect_timeout_ms;
  o.ingest = cfg.ingest;
  o.ingest.max_event_bytes = cfg.rooms.room.max_event_bytes;
  return o;
}

int run(flux_config& cfg) {
  process_start_ms();
  log::level lvl = log::level::info;
  log::parse_level(cfg.log.level, lvl);
  log::configure(lvl, cfg.log.format == "text");

  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Declared before the actor system so that it also bounds its teardown.
  std::optional<shutdown_watchdog> watchdog;
  caf::actor_system sys{cfg};
  auto node_actor = sys.spawn(node);

  // The event bus: the embedded log, or Kafka behind a stable bus actor
  // with a supervised producer and/or consumer (by node.role).
  auto role = bus::node_role::all;
  bus::parse_node_role(cfg.node.role, role);
  caf::actor bus_actor;
  if (cfg.bus.kind == "kafka") {
    auto kopts = kafka_bus_options(cfg);
    bus_actor = sys.spawn(bus::kafka_bus, kopts, node_actor);
    caf::anon_send(node_actor, atom::join_v, bus_actor, std::string{"bus"},
                   std::string{"kafka"}, int64_t{0});
    auto kafka_sup = sys.spawn(supervisor, std::string{"kafka"},
                               bus::kafka_children(kopts, bus_actor),
                               restart_limits{}, node_actor);
    caf::anon_send(node_actor, atom::join_v, kafka_sup,
                   std::string{"supervisor"}, std::string{"kafka"},
                   int64_t{0});
  } else {
    bus::embedded_bus_options bus_opts;
    bus_opts.topic = cfg.bus.topic;
    bus_opts.partitions = cfg.bus.partitions;
    bus_opts.keep.max_records = cfg.bus.retention_records;
    bus_opts.keep.max_bytes = cfg.bus.retention_bytes;
    bus_actor = sys.spawn(bus::embedded_bus, bus_opts);
    caf::anon_send(node_actor, atom::join_v, bus_actor, std::string{"bus"},
                   std::string{"embedded"}, int64_t{0});
  }

  // Simulated sources (offline, the default) or the real connectors
  // (domains.mode=live, docs/connectors.md) on their own Asio threads.
  std::shared_ptr<httpc::client> http;
  std::vector<source_spec> sources;
  if (cfg.domains.mode == "live") {
    try {
      http = std::make_shared<httpc::client>(
        connectors::http_options(cfg.domains, cfg.connectors));
    } catch (std::exception& e) {
      log::error("connectors", e.what());
      std::cerr << "flux: " << e.what() << "\n";
      caf::anon_send_exit(node_actor, caf::exit_reason::user_shutdown);
      return 1;
    }
    for (auto& l : connectors::make_live_sources(cfg.domains, cfg.connectors,
                                                 http))
      sources.push_back({l.src, l.interval, l.calls_per_min, l.pacer,
                         l.pacer_key});
  } else {
    sources = simulated_sources(cfg.domains);
  }
  if (cfg.bench.rate > 0) { // fixed-rate load for benchmarks (bench/)
    auto b = cfg.bench;
    b.rooms = std::max<size_t>(cfg.bench.rooms, 1);
    sources.push_back({sim::make_bench(b),
                       std::chrono::milliseconds{cfg.bench.interval_ms}});
  }
  std::vector<room_decl> rooms;
  std::vector<child_spec> pollers;
  poller_options popts;
  popts.timeout = std::chrono::milliseconds{cfg.domains.fetch_timeout_ms};
  popts.max_backoff = std::chrono::milliseconds{cfg.connectors.max_backoff_ms};
  popts.breaker.failure_threshold = cfg.connectors.breaker_failures;
  popts.breaker.open_ms = cfg.connectors.breaker_open_ms;
  popts.breaker.max_open_ms = std::max(cfg.connectors.breaker_open_ms,
                                       cfg.connectors.max_backoff_ms);
  for (auto& s : sources) {
    for (auto& room : s.src->rooms())
      rooms.push_back({room, room == "crypto.ticker" || sim::is_bench_room(room)
                               ? room_class::stream
                               : room_class::snapshot});
    auto opts = popts;
    opts.interval = s.interval;
    opts.max_fetches_per_min = s.calls_per_min;
    opts.pacer = s.pacer;
    opts.pacer_key = s.pacer_key;
    auto src = s.src;
    pollers.push_back({src->name(), "poller",
                       [src, bus_actor, opts](caf::event_based_actor* self) {
                         return self->spawn(poller, src, bus_actor, opts);
                       }});
  }

  if (cfg.domains.mode == "live") // rooms of sources left out (no key)
    for (auto& room : connectors::live_rooms(cfg.domains)) {
      bool known = false;
      for (auto& r : rooms)
        known = known || r.name == room;
      if (!known)
        rooms.push_back({room, room == "crypto.ticker" ? room_class::stream
                                                       : room_class::snapshot});
    }
  // Rooms open to webhook ingest (POST /ingest/{room}).
  std::vector<gateway::ingest_room> ingest_rooms;
  for (auto& spec : cfg.ingest.rooms) {
    gateway::ingest_room r;
    std::string why;
    if (gateway::parse_ingest_room(spec, r, why)) { // validated before
      ingest_rooms.push_back(r);
      rooms.push_back({r.name, r.cls});
    }
  }

  if (cfg.bench.rate <= 0) // idle bench rooms (no events), if asked for
    for (size_t i = 0; i < cfg.bench.rooms; ++i)
      rooms.push_back({sim::bench_room(i), room_class::stream});

  if (!bus::produces(role)) // gateway role: the pollers run elsewhere
    pollers.clear();
  if (!bus::consumes(role)) // pollers role: no rooms to serve
    rooms.clear();

  auto dir_opts = cfg.rooms;
  // A join's first snapshot frame, and with the largest event every other
  // frame, fits a client's queue: larger state follows in pieces.
  dir_opts.room.snapshot_piece_bytes = cfg.session.queue_budget_bytes / 4;
  dir_opts.topic = cfg.bus.topic;
  dir_opts.group = cfg.bus.group;
  auto directory = sys.spawn(room_directory, rooms, dir_opts, bus_actor,
                             node_actor);
  caf::anon_send(node_actor, atom::join_v, directory,
                 std::string{"room_directory"}, std::string{"rooms"},
                 int64_t{0});

  // Clustered: publish the cluster actor for the peers, then dial them
  // (docs/cluster.md).
  caf::actor cluster_actor;
  if (cfg.clustered()) {
    cluster_actor = sys.spawn(cluster, cfg.cluster, node_actor);
    std::string host, why;
    uint16_t cport = 0;
    parse_peer_address(cfg.cluster.listen, host, cport, why); // validated
    auto published = sys.middleman().publish(cluster_actor, cport,
                                             host.c_str(), true);
    if (!published) {
      auto err = "cannot listen for cluster peers on " + cfg.cluster.listen
                 + ": " + sys.render(published.error());
      log::error("cluster", err);
      std::cerr << "flux: " << err << "\n";
      caf::anon_send_exit(cluster_actor, caf::exit_reason::user_shutdown);
      caf::anon_send(node_actor, atom::shutdown_v);
      caf::anon_send_exit(node_actor, caf::exit_reason::user_shutdown);
      return 1;
    }
    caf::anon_send(node_actor, atom::join_v, cluster_actor,
                   std::string{"cluster"}, std::string{"cluster"}, int64_t{0});
    caf::anon_send(cluster_actor, atom::subscribe_v, directory);
    caf::anon_send(directory, atom::forward_v, cluster_actor);
    caf::anon_send(cluster_actor, atom::publish_v,
                   host + ":" + std::to_string(*published));
  }

  auto domains = sys.spawn(supervisor, std::string{"domains"}, pollers,
                           restart_limits{}, node_actor);
  caf::anon_send(node_actor, atom::join_v, domains, std::string{"supervisor"},
                 std::string{"domains"}, int64_t{0});

  auto gw_opts = gateway_options(cfg);
  gw_opts.ingest.parsed_rooms = ingest_rooms;
  gw_opts.ingest.bus = bus::produces(role) ? bus_actor : caf::actor{};
  gateway::server server{sys, gw_opts, node_actor, directory};
  server.ctx()->cluster = cluster_actor;
  uint16_t port = 0;
  try {
    port = server.start();
  } catch (std::exception& e) {
    log::error("gateway", e.what());
    std::cerr << "flux: " << e.what() << "\n";
    caf::anon_send(node_actor, atom::shutdown_v);
    caf::anon_send_exit(node_actor, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto host = cfg.gateway.bind == "0.0.0.0" ? std::string{"127.0.0.1"}
                                            : cfg.gateway.bind;
  auto url = "http://" + host + ":" + std::to_string(port) + "/";
  log::info("gateway", "listening",
            {{"bind", cfg.gateway.bind}, {"port", std::to_string(port)},
             {"url", url},
             {"websocket", "ws://" + host + ":" + std::to_string(port)
                             + "/ws"}});
  std::cout << "Flux is running. Dashboard: " << url
            << "  WebSocket: ws://" << host << ":" << port << "/ws"
            << "  Stats: " << url << "stats" << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("node", "stop signal received", {{"signal", strsignal(sig)}});
  watchdog.emplace(std::chrono::milliseconds{cfg.node.shutdown_timeout_ms});

  // Stop accepting first, so no client arrives after the node has told the
  // others it is going away; then close every client with 1001, let the
  // closes flush, and stop.
  watchdog->step("stop accepting", &sys);
  server.stop_accepting();
  watchdog->step("tell members", &sys);
  {
    caf::scoped_actor self{sys};
    self->request(node_actor, std::chrono::seconds{2}, atom::shutdown_v)
      .receive([](bool) {},
               [](caf::error& err) {
                 log::warn("node", "the node did not confirm the shutdown",
                           {{"error", to_string(err)}});
               });
  }
  watchdog->step("flush client closes", &sys);
  server.stop(std::chrono::milliseconds{2000});
  watchdog->step("end actors", &sys);
  caf::anon_send_exit(node_actor, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  watchdog->step("stop connectors", &sys);
  if (http) // the connectors' I/O threads, before the actor system goes
    http->stop();
  log::info("node", "stopped");
  watchdog->step("actor system teardown", nullptr);
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
  auto problems = cfg.validate();
  if (!problems.empty()) {
    for (auto& p : problems)
      std::cerr << "flux: invalid configuration: " << p << "\n";
    return 2;
  }
  if (cfg.clustered()) // CAF networking: only a clustered node pays for it
    cfg.load<caf::io::middleman>();
  return run(cfg);
}
