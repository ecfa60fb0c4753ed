#include "app/startup.hpp"

#include <iostream>
#include <string>


#include "bus/embedded_bus.hpp"
#include "cluster/cluster.hpp"
#include "cluster/cluster_transport.hpp"
#include "core/logger.hpp"
#include "core/type_ids.hpp"
#include "domains/live_sources.hpp"
#include "runtime/node.hpp"
#include "runtime/supervisor.hpp"
#include "sessions/session.hpp"

namespace flux::app {

namespace {

void join(const node_context& n, const status_actor& member, std::string kind,
          std::string name) {
  caf::anon_send(n.node, atom::join_v, member, std::move(kind),
                 std::move(name), int64_t{0});
}

void report_failure(std::string_view component, const std::string& what) {
  log::error(component, what);
  std::cerr << "flux: " << what << "\n";
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

bus::embedded_bus_options embedded_bus_options(const flux_config& cfg) {
  bus::embedded_bus_options e;
  e.topic = cfg.bus.topic;
  e.partitions = cfg.bus.partitions;
  e.keep.max_records = cfg.bus.retention_records;
  e.keep.max_bytes = cfg.bus.retention_bytes;
  return e;
}

} // namespace

void start_logging(const flux_config& cfg) {
  log::level lvl = log::level::info;
  log::parse_level(cfg.log.level, lvl);
  log::configure(lvl, cfg.log.format == "text");
}

bus::node_role configured_role(const flux_config& cfg) {
  auto role = bus::node_role::all;
  bus::parse_node_role(cfg.node.role, role);
  return role;
}

bus_actor start_bus(const node_context& n) {
  if (n.cfg.bus.kind != "kafka") {
    auto embedded = n.sys.spawn(bus::embedded_bus, embedded_bus_options(n.cfg));
    join(n, embedded, "bus", "embedded");
    return embedded;
  }
  auto kopts = kafka_bus_options(n.cfg);
  auto kafka = n.sys.spawn(bus::kafka_bus, kopts, n.node);
  join(n, kafka, "bus", "kafka");
  auto kafka_sup = n.sys.spawn(supervisor, std::string{"kafka"},
                               bus::kafka_children(kopts, kafka),
                               restart_limits{}, n.node);
  join(n, kafka_sup, "supervisor", "kafka");
  return kafka;
}

bool start_connectors(const node_context& n,
                      std::shared_ptr<httpc::client>& http) {
  if (n.cfg.domains.mode != "live")
    return true;
  try {
    http = std::make_shared<httpc::client>(
      connectors::http_options(n.cfg.domains, n.cfg.connectors));
  } catch (std::exception& e) {
    report_failure("connectors", e.what());
    caf::anon_send_exit(n.node, caf::exit_reason::user_shutdown);
    return false;
  }
  return true;
}

room_directory_actor start_room_directory(const node_context& n,
                                          std::vector<room_decl> rooms,
                                          const bus_actor& event_bus) {
  auto dir_opts = n.cfg.rooms;
  dir_opts.room.snapshot_piece_bytes = snapshot_piece_bytes(n.cfg.session);
  dir_opts.topic = n.cfg.bus.topic;
  dir_opts.group = n.cfg.bus.group;
  auto directory = n.sys.spawn(room_directory, std::move(rooms), dir_opts,
                               event_bus, n.node);
  join(n, directory, "room_directory", "rooms");
  return directory;
}

bool start_cluster(const node_context& n,
                   const room_directory_actor& directory,
                   cluster_actor& out) {
  auto peers = n.sys.spawn(cluster, n.cfg.cluster, n.node);
  std::string host, why;
  uint16_t cport = 0;
  parse_peer_address(n.cfg.cluster.listen, host, cport, why); // validated
  auto published = publish_cluster(n.sys, peers, host, cport, n.cfg.cluster);
  if (!published) {
    report_failure("cluster", "cannot listen for cluster peers on "
                                + n.cfg.cluster.listen + ": "
                                + n.sys.render(published.error()));
    caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
    caf::anon_send(n.node, atom::shutdown_v);
    caf::anon_send_exit(n.node, caf::exit_reason::user_shutdown);
    return false;
  }
  join(n, peers, "cluster", "cluster");
  caf::anon_send(peers, atom::subscribe_v, forwarded_actor{directory});
  caf::anon_send(directory, atom::forward_v, forward_actor{peers});
  caf::anon_send(peers, atom::publish_v,
                 host + ":" + std::to_string(*published));
  out = peers;
  return true;
}

void start_domains(const node_context& n, std::vector<child_spec> pollers) {
  auto domains = n.sys.spawn(supervisor, std::string{"domains"},
                             std::move(pollers), restart_limits{}, n.node);
  join(n, domains, "supervisor", "domains");
}

gateway::options
gateway_options(const node_context& n, std::vector<gateway::ingest_room> ingest,
                const bus_actor& event_bus,
                std::shared_ptr<const auth::access_policy> access) {
  auto& cfg = n.cfg;
  gateway::options o = cfg.gateway;
  o.access = access;
  o.session = cfg.session;
  o.session.access = std::move(access);
  o.session.max_frame_bytes = cfg.gateway.max_frame_bytes;
  o.session.heartbeat_ms = cfg.gateway.heartbeat_ms;
  o.session.socketio_connect_timeout_ms =
    cfg.gateway.socketio_connect_timeout_ms;
  o.ingest = cfg.ingest;
  o.ingest.access = o.access; // JWTs with an `ingest` claim
  o.ops = cfg.ops;
  o.ingest.max_event_bytes = cfg.rooms.room.max_event_bytes;
  o.ingest.parsed_rooms = std::move(ingest);
  o.ingest.bus = bus::produces(n.role) ? event_bus : bus_actor{};
  return o;
}

void log_access(const auth::access_policy& access) {
  std::string open;
  for (auto& p : access.anonymous_rooms().list())
    open += (open.empty() ? "" : ",") + p;
  log::info("auth", "access",
            {{"tokens", access.accepts_tokens() ? "accepted" : "off"},
             {"required", access.required() ? "true" : "false"},
             {"anonymous_rooms", open.empty() ? "none" : open}});
  if (access.accepts_tokens() && access.anonymous_rooms().covers("*"))
    log::warn("auth", "tokens are configured but every room is open without "
                      "one (auth.anonymous-rooms covers '*')", {});
}

bool start_gateway(const node_context& n, gateway::server& server,
                   const cluster_actor& peers) {
  server.ctx()->cluster = peers;
  uint16_t port = 0;
  try {
    port = server.start();
  } catch (std::exception& e) {
    report_failure("gateway", e.what());
    caf::anon_send(n.node, atom::shutdown_v);
    caf::anon_send_exit(n.node, caf::exit_reason::user_shutdown);
    return false;
  }
  auto host = n.cfg.gateway.bind == "0.0.0.0" ? std::string{"127.0.0.1"}
                                              : n.cfg.gateway.bind;
  auto url = "http://" + host + ":" + std::to_string(port) + "/";
  log::info("gateway", "listening",
            {{"bind", n.cfg.gateway.bind}, {"port", std::to_string(port)},
             {"url", url},
             {"websocket", "ws://" + host + ":" + std::to_string(port)
                             + "/ws"}});
  std::cout << "Flux is running. Dashboard: " << url
            << "  WebSocket: ws://" << host << ":" << port << "/ws"
            << "  Stats: " << url << "stats" << std::endl;
  return true;
}

} // namespace flux::app
