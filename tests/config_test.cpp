#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/flux_config.hpp"

using namespace flux;

namespace {

std::vector<std::string> problems(std::vector<std::string> args,
                                  bool& parse_failed) {
  flux_config cfg;
  std::istringstream no_file;
  auto err = cfg.parse(args, no_file);
  parse_failed = static_cast<bool>(err);
  return parse_failed ? std::vector<std::string>{} : cfg.validate();
}

bool mentions(const std::vector<std::string>& ps, const std::string& what) {
  for (auto& p : ps)
    if (p.find(what) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("the defaults are valid") {
  bool failed = true;
  CHECK(problems({}, failed).empty());
  CHECK_FALSE(failed);
}

TEST_CASE("flags override defaults") {
  flux_config cfg;
  std::istringstream no_file;
  REQUIRE_FALSE(cfg.parse({"--gateway.port=9123", "--rooms.history=17"},
                          no_file));
  CHECK(cfg.gateway.port == 9123);
  CHECK(cfg.rooms.room.history == 17);
}

TEST_CASE("the file is read and flags win over it") {
  flux_config cfg;
  std::istringstream file{"[gateway]\nport=7000\nio-threads=2\n"};
  REQUIRE_FALSE(cfg.parse({"--gateway.port=7001"}, file));
  CHECK(cfg.gateway.port == 7001);
  CHECK(cfg.gateway.io_threads == 2);
}

TEST_CASE("malformed values fail at parse time") {
  bool failed = false;
  problems({"--gateway.port=abc"}, failed);
  CHECK(failed);
  problems({"--gateway.port=70000"}, failed);
  CHECK(failed);
}

TEST_CASE("out-of-range values are reported clearly") {
  bool failed = false;
  CHECK(mentions(problems({"--gateway.bind=not-an-ip"}, failed),
                 "gateway.bind"));
  CHECK(mentions(problems({"--gateway.io-threads=0"}, failed),
                 "gateway.io-threads"));
  CHECK(mentions(problems({"--rooms.history=0"}, failed), "rooms.history"));
  CHECK(mentions(problems({"--session.queue-budget-bytes=10"}, failed),
                 "session.queue-budget-bytes"));
  CHECK(mentions(problems({"--domains.weather-interval-ms=1"}, failed),
                 "domains.weather-interval-ms"));
  CHECK(mentions(problems({"--log.level=loud"}, failed), "log.level"));
  CHECK(mentions(problems({"--scheduler.max-threads=0"}, failed),
                 "scheduler.max-threads"));
  CHECK(mentions(problems({"--gateway.web-root=/no/such/dir"}, failed),
                 "gateway.web-root"));
}

TEST_CASE("every connector has a calls-per-minute limit, 0 turns it off") {
  flux_config cfg;
  std::istringstream no_file;
  CHECK(cfg.connectors.open_meteo_calls_per_min == 6);
  CHECK(cfg.connectors.rss_calls_per_min == 2);
  CHECK(cfg.connectors.newsdata_calls_per_min == 2);
  REQUIRE_FALSE(cfg.parse({"--connectors.open-meteo-calls-per-min=0",
                           "--connectors.rss-calls-per-min=12",
                           "--connectors.newsdata-calls-per-min=0.5"},
                          no_file));
  CHECK(cfg.connectors.open_meteo_calls_per_min == 0);
  CHECK(cfg.connectors.rss_calls_per_min == 12);
  CHECK(cfg.connectors.newsdata_calls_per_min == 0.5);
  bool failed = false;
  for (auto opt : {"--connectors.open-meteo-calls-per-min=-1",
                   "--connectors.rss-calls-per-min=-1",
                   "--connectors.newsdata-calls-per-min=-1"})
    CHECK(mentions(problems({opt}, failed), "calls-per-min"));
}

TEST_CASE("the thread defaults fit a small machine, and flags change them") {
  flux_config cfg;
  std::istringstream no_file;
  REQUIRE_FALSE(cfg.parse(std::vector<std::string>{}, no_file));
  CHECK(caf::get_or(cfg, "scheduler.max-threads", size_t{0}) == 1);
  // An idle worker sleeps instead of waking every 50 us.
  CHECK(caf::get_or(cfg, "work-stealing.moderate-poll-attempts", size_t{99})
        == 0);
  flux_config tuned;
  REQUIRE_FALSE(tuned.parse({"--work-stealing.moderate-poll-attempts=500",
                             "--scheduler.max-threads=2"},
                            no_file));
  CHECK(caf::get_or(tuned, "work-stealing.moderate-poll-attempts", size_t{0})
        == 500);
  CHECK(caf::get_or(tuned, "scheduler.max-threads", size_t{0}) == 2);
}

TEST_CASE("a cluster needs Kafka, a listen address and host:port peers") {
  bool failed = true;
  CHECK(problems({"--bus.kind=kafka", "--cluster.listen=127.0.0.1:7100",
                  "--cluster.peers=[\"127.0.0.1:7101\", \"gw-2:7100\"]"},
                 failed)
          .empty());
  CHECK_FALSE(failed);
  CHECK(mentions(problems({"--cluster.listen=127.0.0.1:7100"}, failed),
                 "a cluster needs bus.kind=kafka"));
  CHECK(mentions(problems({"--bus.kind=kafka",
                           "--cluster.peers=[\"127.0.0.1:7101\"]"},
                          failed),
                 "cluster.peers needs cluster.listen"));
  CHECK(mentions(problems({"--bus.kind=kafka", "--cluster.listen=7100"},
                          failed),
                 "cluster.listen: '7100' is not host:port"));
  CHECK(mentions(problems({"--bus.kind=kafka", "--cluster.listen=h:1",
                           "--cluster.peers=[\"h:99999\"]"},
                          failed),
                 "cluster.peers: 'h:99999' has no valid port"));
  CHECK(mentions(problems({"--bus.kind=kafka", "--node.role=pollers",
                           "--cluster.listen=h:1"},
                          failed),
                 "node.role=pollers serves no rooms"));
  flux_config plain;
  CHECK_FALSE(plain.clustered());
}

TEST_CASE("auth options: anonymous rooms set or not, and what cannot be combined") {
  flux_config cfg;
  std::istringstream no_file;
  REQUIRE_FALSE(cfg.parse({"--auth.jwt-secret=0123456789abcdef0123456789abcdef"},
                          no_file));
  CHECK_FALSE(cfg.is_set("auth.anonymous-rooms"));
  CHECK(cfg.validate().empty());
  flux_config set;
  std::istringstream file{"[auth]\nanonymous-rooms=[]\n"};
  REQUIRE_FALSE(set.parse(std::vector<std::string>{}, file));
  CHECK(set.is_set("auth.anonymous-rooms"));
  CHECK(set.auth.anonymous_rooms.empty());
  bool failed = true;
  CHECK(mentions(problems({"--auth.jwt-secret=short"}, failed), "32 bytes"));
  CHECK(mentions(problems({"--auth.required"}, failed), "needs a key"));
  CHECK(mentions(problems({"--auth.anonymous-rooms=[\"Bad*\"]"}, failed),
                 "not a room pattern"));
  CHECK(mentions(problems({"--gateway.auth-token=x",
                           "--auth.jwt-secret=0123456789abcdef0123456789abcdef"},
                          failed),
                 "set one"));
}
