// flux_kafka_tool: a tiny librdkafka client for Flux's Kafka tests (so they
// need neither kcat nor the Java tools).
//
//   flux_kafka_tool produce --brokers B --topic T [-X key=value ...]
//       Reads records from stdin, one per line: "KEY<TAB>VALUE" (a line
//       without a tab has no key). Idempotent producer, murmur2 partitioner
//       (like Java clients and Flux), never times a message out: while the
//       broker is away it keeps them and retries. Prints one JSON line per
//       delivery report: {"n":1,"partition":0,"offset":12} or {"n":1,
//       "error":"..."}. At the end of input it waits for the outstanding
//       reports (--flush-timeout-ms, default 120000) and exits 0 when all
//       were delivered.
//
//   flux_kafka_tool fetch --brokers B --topic T --partition P --offset O
//                         [--count N] [--timeout-ms MS]
//       Prints up to N records from P at O on, one JSON line each:
//       {"partition":0,"offset":12,"key":"...","value":"..."}.
//
//   flux_kafka_tool offsets --brokers B --topic T [--group G]
//       Prints {"partition":0,"low":0,"high":12,"committed":10} per
//       partition (committed: -1 when the group has none).

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

struct args {
  std::string cmd;
  std::map<std::string, std::string> named;
  std::vector<std::string> props;

  std::string get(const std::string& k, const std::string& fallback = "") const {
    auto i = named.find(k);
    return i == named.end() ? fallback : i->second;
  }
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "flux_kafka_tool: %s\n", msg.c_str());
  std::exit(2);
}

args parse(int argc, char** argv) {
  if (argc < 2)
    die("usage: flux_kafka_tool produce|fetch|offsets --brokers B --topic T ...");
  args a;
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "-X" && i + 1 < argc) {
      a.props.push_back(argv[++i]);
    } else if (s.rfind("--", 0) == 0 && i + 1 < argc) {
      a.named[s.substr(2)] = argv[++i];
    } else {
      die("unexpected argument " + s);
    }
  }
  if (a.get("brokers").empty() || a.get("topic").empty())
    die("--brokers and --topic are required");
  return a;
}

rd_kafka_conf_t* make_conf(const args& a,
                           std::vector<std::pair<std::string, std::string>> kv) {
  auto* conf = rd_kafka_conf_new();
  char err[512];
  kv.insert(kv.begin(), {"bootstrap.servers", a.get("brokers")});
  for (auto& p : a.props) {
    auto eq = p.find('=');
    if (eq == std::string::npos)
      die("-X needs key=value: " + p);
    kv.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  for (auto& [k, v] : kv)
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err))
        != RD_KAFKA_CONF_OK)
      die(k + ": " + err);
  return conf;
}

void print_line(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

long long delivered = 0;
long long failed = 0;
long long reports = 0;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  ++reports;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("n");
  w.Int64(reports);
  if (m->err) {
    ++failed;
    w.Key("error");
    w.String(rd_kafka_err2str(m->err));
  } else {
    ++delivered;
    w.Key("partition");
    w.Int(m->partition);
    w.Key("offset");
    w.Int64(m->offset);
  }
  w.EndObject();
  print_line(buf.GetString());
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  std::fprintf(stderr, "flux_kafka_tool: %s: %s\n",
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
               reason);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof(buf));
    die(std::string{"fatal: "} + buf);
  }
}

int produce(const args& a) {
  auto* conf = make_conf(a, {{"enable.idempotence", "true"},
                             {"message.timeout.ms", "0"},
                             {"linger.ms", "5"},
                             {"partitioner", "murmur2_random"},
                             {"allow.auto.create.topics", "false"},
                             {"reconnect.backoff.max.ms", "1000"}});
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  char err[512];
  auto* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk)
    die(err);
  auto topic = a.get("topic");
  long long sent = 0;
  std::string pending;
  bool eof = false;
  auto send_line = [&](const std::string& line) {
    if (line.empty())
      return;
    auto tab = line.find('\t');
    std::string key = tab == std::string::npos ? "" : line.substr(0, tab);
    std::string value = tab == std::string::npos ? line : line.substr(tab + 1);
    for (;;) {
      auto e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
        RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 100);
        continue;
      }
      if (e)
        die(std::string{"produce: "} + rd_kafka_err2str(e));
      ++sent;
      return;
    }
  };
  while (!eof) {
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    int r = ::poll(&pfd, 1, 20);
    if (r > 0) {
      char buf[65536];
      auto n = ::read(STDIN_FILENO, buf, sizeof(buf));
      if (n <= 0) {
        eof = true;
      } else {
        pending.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          send_line(pending.substr(0, nl));
          pending.erase(0, nl + 1);
        }
      }
    }
    rd_kafka_poll(rk, 0);
  }
  send_line(pending);
  auto timeout = std::atoi(a.get("flush-timeout-ms", "120000").c_str());
  rd_kafka_flush(rk, timeout);
  rd_kafka_poll(rk, 0);
  std::fprintf(stderr, "flux_kafka_tool: sent %lld delivered %lld failed %lld\n",
               sent, delivered, failed);
  rd_kafka_destroy(rk);
  return delivered == sent ? 0 : 1;
}

int fetch(const args& a) {
  auto* conf = make_conf(a, {{"group.id", "flux-kafka-tool"},
                             {"enable.auto.commit", "false"},
                             {"enable.partition.eof", "true"}});
  char err[512];
  auto* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk)
    die(err);
  rd_kafka_poll_set_consumer(rk);
  auto topic = a.get("topic");
  int partition = std::atoi(a.get("partition", "0").c_str());
  long long offset = std::atoll(a.get("offset", "0").c_str());
  long long count = std::atoll(a.get("count", "1").c_str());
  int timeout = std::atoi(a.get("timeout-ms", "10000").c_str());
  auto* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset
    = offset;
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  long long got = 0;
  int waited = 0;
  while (got < count && waited < timeout) {
    auto* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) {
      waited += 100;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      rd_kafka_message_destroy(m);
      break;
    }
    if (m->err) {
      std::fprintf(stderr, "flux_kafka_tool: %s\n", rd_kafka_message_errstr(m));
      rd_kafka_message_destroy(m);
      waited += 100;
      continue;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    w.StartObject();
    w.Key("partition");
    w.Int(m->partition);
    w.Key("offset");
    w.Int64(m->offset);
    w.Key("key");
    if (m->key)
      w.String(static_cast<const char*>(m->key),
               static_cast<rapidjson::SizeType>(m->key_len));
    else
      w.Null();
    w.Key("value");
    w.String(m->payload ? static_cast<const char*>(m->payload) : "",
             static_cast<rapidjson::SizeType>(m->len));
    w.EndObject();
    print_line(buf.GetString());
    ++got;
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

int offsets(const args& a) {
  auto* conf = make_conf(a, {{"group.id", a.get("group", "flux-kafka-tool")},
                             {"enable.auto.commit", "false"}});
  char err[512];
  auto* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk)
    die(err);
  auto topic = a.get("topic");
  auto* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  auto e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  if (e || !md || md->topic_cnt < 1 || md->topics[0].err)
    die("metadata: " + std::string{rd_kafka_err2str(
                         e ? e : (md && md->topic_cnt ? md->topics[0].err
                                                      : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC))});
  int n = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  auto* parts = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
  bool with_group = !a.get("group").empty();
  if (with_group && rd_kafka_committed(rk, parts, 10000))
    die("cannot read committed offsets");
  for (int p = 0; p < n; ++p) {
    int64_t lo = -1;
    int64_t hi = -1;
    rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000);
    long long committed = with_group ? parts->elems[p].offset : -1;
    if (committed < 0)
      committed = -1;
    std::printf("{\"partition\":%d,\"low\":%lld,\"high\":%lld,\"committed\":%lld}\n",
                p, static_cast<long long>(lo), static_cast<long long>(hi),
                committed);
  }
  std::fflush(stdout);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(rk);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto a = parse(argc, argv);
  if (a.cmd == "produce")
    return produce(a);
  if (a.cmd == "fetch")
    return fetch(a);
  if (a.cmd == "offsets")
    return offsets(a);
  die("unknown command " + a.cmd);
}
