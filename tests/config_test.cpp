#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/flux_config.hpp"
#include "test_pki.hpp"

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
                  "--cluster.peers=[\"127.0.0.1:7101\", \"gw-2:7100\"]",
                  "--cluster.plaintext"},
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

namespace {

// A clustered node's options with these cluster.* flags added.
std::vector<std::string> clustered(std::vector<std::string> more) {
  std::vector<std::string> args{"--bus.kind=kafka",
                                "--cluster.listen=127.0.0.1:7100"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> tls_flags(const std::string& cert,
                                   const std::string& key,
                                   const std::string& ca) {
  using flux::tests::pki;
  return {"--cluster.tls-cert=" + pki(cert), "--cluster.tls-key=" + pki(key),
          "--cluster.tls-ca=" + pki(ca)};
}

} // namespace

TEST_CASE("a clustered node needs the cluster's TLS files or an explicit "
          "--cluster.plaintext") {
  bool failed = true;
  CHECK(mentions(problems(clustered({}), failed),
                 "a clustered node needs cluster.tls-cert, cluster.tls-key "
                 "and cluster.tls-ca"));
  CHECK_FALSE(failed);
  CHECK(problems(clustered({"--cluster.plaintext"}), failed).empty());
  CHECK(problems(clustered(tls_flags("node-a.pem", "node-a.key", "ca.pem")),
                 failed)
          .empty());
  // Not clustered: nothing of this is checked (or needed).
  CHECK(problems({"--cluster.tls-cert=/no/such/file"}, failed).empty());

  auto both = tls_flags("node-a.pem", "node-a.key", "ca.pem");
  both.push_back("--cluster.plaintext");
  CHECK(mentions(problems(clustered(both), failed),
                 "cluster.plaintext=true and cluster.tls-* are both set"));
  auto only_cert = problems(
    clustered({"--cluster.tls-cert=" + flux::tests::pki("node-a.pem")}),
    failed);
  CHECK(mentions(only_cert, "cluster.tls-key is missing"));
  CHECK(mentions(only_cert, "cluster.tls-ca is missing"));
}

TEST_CASE("the cluster's TLS files are loaded and checked at start, each "
          "problem named") {
  bool failed = true;
  auto with = [&](const std::string& cert, const std::string& key,
                  const std::string& ca) {
    return problems(clustered(tls_flags(cert, key, ca)), failed);
  };
  CHECK(mentions(with("missing.pem", "node-a.key", "ca.pem"),
                 "cluster.tls-cert: cannot load a PEM certificate"));
  CHECK(mentions(with("node-a.key", "node-a.key", "ca.pem"),
                 "cluster.tls-cert: cannot load a PEM certificate"));
  CHECK(mentions(with("node-a.pem", "missing.key", "ca.pem"),
                 "cluster.tls-key: cannot load an unencrypted PEM private "
                 "key"));
  // An encrypted key fails at once (it does not wait for a passphrase).
  CHECK(mentions(with("node-a.pem", "node-a.enc.key", "ca.pem"),
                 "cluster.tls-key: cannot load an unencrypted"));
  CHECK(mentions(with("node-a.pem", "node-b.key", "ca.pem"),
                 "is not the key of cluster.tls-cert"));
  CHECK(mentions(with("node-a.pem", "node-a.key", "missing-ca.pem"),
                 "cluster.tls-ca: cannot load PEM CA certificates"));
  CHECK(mentions(with("foreign.pem", "foreign.key", "ca.pem"),
                 "does not verify against cluster.tls-ca"));
  CHECK(mentions(with("node-a.pem", "node-a.key", "foreign-ca.pem"),
                 "unable to get local issuer certificate"));
  CHECK(mentions(with("server-only.pem", "server-only.key", "ca.pem"),
                 "unsuitable certificate purpose"));
  CHECK_FALSE(failed);
}

TEST_CASE("--help lists the cluster's TLS options") {
  // --help prints the registered options (custom_options_ is protected).
  struct probe : flux_config {
    const caf::config_option_set& options() const { return custom_options_; }
  } cfg;
  for (auto name : {"cluster.tls-cert", "cluster.tls-key", "cluster.tls-ca",
                    "cluster.plaintext"})
    CHECK_MESSAGE(cfg.options().qualified_name_lookup(name) != nullptr, name);
}
