#include "app/sources.hpp"

#include <algorithm>

#include "domains/bench_source.hpp"
#include "domains/live_sources.hpp"
#include "domains/open_meteo.hpp"
#include "domains/poller.hpp"
#include "domains/simulated_sources.hpp"
#include "gateway/ingest.hpp"

namespace flux::app {

namespace {

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

} // namespace

std::vector<source_spec> domain_sources(const flux_config& cfg,
                                        std::shared_ptr<httpc::client> http) {
  std::vector<source_spec> sources;
  if (cfg.domains.mode == "live") {
    sources = connectors::make_live_sources(cfg.domains, cfg.connectors, http);
  } else {
    sources = simulated_sources(cfg.domains);
  }
  if (cfg.bench.rate > 0) {
    auto b = cfg.bench;
    b.rooms = std::max<size_t>(cfg.bench.rooms, 1);
    sources.push_back({sim::make_bench(b),
                       std::chrono::milliseconds{cfg.bench.interval_ms}});
  }
  return sources;
}

std::vector<child_spec> poller_specs(const flux_config& cfg,
                                     bus::node_role role,
                                     const std::vector<source_spec>& sources,
                                     const bus_actor& event_bus) {
  std::vector<child_spec> pollers;
  if (!bus::produces(role))
    return pollers;
  poller_options popts;
  popts.timeout = std::chrono::milliseconds{cfg.domains.fetch_timeout_ms};
  popts.max_backoff = std::chrono::milliseconds{cfg.connectors.max_backoff_ms};
  popts.breaker.failure_threshold = cfg.connectors.breaker_failures;
  popts.breaker.open_ms = cfg.connectors.breaker_open_ms;
  popts.breaker.max_open_ms = std::max(cfg.connectors.breaker_open_ms,
                                       cfg.connectors.max_backoff_ms);
  for (auto& s : sources) {
    auto opts = popts;
    opts.interval = s.interval;
    opts.max_fetches_per_min = s.calls_per_min;
    opts.pacer = s.pacer;
    opts.pacer_key = s.pacer_key;
    auto src = s.src;
    pollers.push_back({src->name(), "poller",
                       [src, event_bus, opts](caf::local_actor* parent) {
                         return status_actor{
                           parent->spawn(poller, src, event_bus, opts)};
                       }});
  }
  return pollers;
}

std::vector<gateway::ingest_room> ingest_rooms(const flux_config& cfg) {
  std::vector<gateway::ingest_room> rooms;
  for (auto& spec : cfg.ingest.rooms) {
    gateway::ingest_room r;
    std::string why;
    if (gateway::parse_ingest_room(spec, r, why)) // validated before
      rooms.push_back(r);
  }
  return rooms;
}

std::vector<room_decl>
served_rooms(const flux_config& cfg, bus::node_role role,
             const std::vector<source_spec>& sources,
             const std::vector<gateway::ingest_room>& ingest) {
  std::vector<room_decl> rooms;
  if (!bus::consumes(role))
    return rooms;
  for (auto& s : sources)
    for (auto& room : s.src->rooms())
      rooms.push_back({room, room == "crypto.ticker" || sim::is_bench_room(room)
                               ? room_class::stream
                               : room_class::snapshot});
  if (cfg.domains.mode == "live")
    for (auto& room : connectors::live_rooms(cfg.domains)) {
      bool known = false;
      for (auto& r : rooms)
        known = known || r.name == room;
      if (!known)
        rooms.push_back({room, room == "crypto.ticker" ? room_class::stream
                                                       : room_class::snapshot});
    }
  for (auto& r : ingest)
    rooms.push_back({r.name, r.cls});
  if (cfg.bench.rate <= 0) // idle bench rooms (no events), if asked for
    for (size_t i = 0; i < cfg.bench.rooms; ++i)
      rooms.push_back({sim::bench_room(i), room_class::stream});
  return rooms;
}

} // namespace flux::app
