// loopback-floor: how fast raw TCP alone fans out on this machine. No
// WebSocket, no actors, no JSON: N loopback TCP pairs, K sender threads that
// sweep their share of sockets writing every event due since their last
// sweep in one send() per socket, and reader threads on epoll that time each
// fixed-size record from its creation time to its receipt.
// At a rate low enough for one event per sweep, its p99 is the floor for
// fanning one event out to N clients here: no server does less per client.
// At high rates it sweeps back to back without pacing, so it is no bound
// there (Flux's rooms batch bursts and do better). docs/benchmarks.md,
// "The floor of this machine".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  int clients = 1000;
  double rate = 500;       // events per second, each to every client
  int bytes = 200;         // one event's size on the wire
  int senders = 1;         // sender threads
  int readers = 1;         // reader threads
  double warmup_s = 1;
  double duration_s = 5;
};

bool parse_flag(const char* arg, const char* name, std::string& value) {
  auto n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=')
    return false;
  value = arg + n + 1;
  return true;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (parse_flag(argv[i], "--clients", v))
      o.clients = std::stoi(v);
    else if (parse_flag(argv[i], "--rate", v))
      o.rate = std::stod(v);
    else if (parse_flag(argv[i], "--bytes", v))
      o.bytes = std::max(16, std::stoi(v));
    else if (parse_flag(argv[i], "--senders", v))
      o.senders = std::max(1, std::stoi(v));
    else if (parse_flag(argv[i], "--readers", v))
      o.readers = std::max(1, std::stoi(v));
    else if (parse_flag(argv[i], "--warmup", v))
      o.warmup_s = std::stod(v);
    else if (parse_flag(argv[i], "--duration", v))
      o.duration_s = std::stod(v);
    else {
      std::fprintf(stderr,
                   "usage: loopback-floor [--clients=N] [--rate=EV_PER_S] "
                   "[--bytes=B] [--senders=K] [--readers=K] [--warmup=S] "
                   "[--duration=S]\n");
      std::exit(2);
    }
  }
  return o;
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct pair_fds {
  int server; // the end the senders write
  int client; // the end the readers read
};

std::vector<pair_fds> open_pairs(int n) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0)
    die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    die("bind");
  if (::listen(listener, 4096) < 0)
    die("listen");
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<pair_fds> pairs;
  pairs.reserve(n);
  for (int i = 0; i < n; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr))
      die("connect");
    int s = ::accept(listener, nullptr, nullptr);
    if (s < 0)
      die("accept");
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pairs.push_back({s, c});
  }
  ::close(listener);
  return pairs;
}

// Sweeps sockets [first, last): waits for the next due event, then writes
// every event due since the previous sweep to each socket in one send().
void run_sender(const options& o, const std::vector<pair_fds>& pairs,
                size_t first, size_t last, int64_t t0, int64_t t_end,
                std::atomic<uint64_t>& sends) {
  const double period_ns = 1e9 / o.rate;
  int64_t next = 0; // index of the first event not yet sent
  std::vector<char> buf;
  for (;;) {
    auto now = now_ns();
    if (now >= t_end)
      return;
    auto due = static_cast<int64_t>((now - t0) / period_ns) + 1;
    if (due <= next) {
      auto wake = t0 + static_cast<int64_t>(next * period_ns);
      std::this_thread::sleep_for(std::chrono::nanoseconds(wake - now));
      continue;
    }
    buf.assign(static_cast<size_t>((due - next) * o.bytes), 'x');
    for (int64_t i = next; i < due; ++i) {
      int64_t created = t0 + static_cast<int64_t>(i * period_ns);
      std::memcpy(buf.data() + (i - next) * o.bytes, &created, 8);
    }
    next = due;
    for (size_t k = first; k < last; ++k) {
      size_t off = 0;
      while (off < buf.size()) {
        auto n = ::send(pairs[k].server, buf.data() + off, buf.size() - off,
                        MSG_NOSIGNAL);
        if (n < 0)
          die("send");
        off += static_cast<size_t>(n);
      }
    }
    sends.fetch_add(last - first, std::memory_order_relaxed);
  }
}

struct reader_result {
  std::vector<int64_t> latencies_ns;
  uint64_t records = 0;
};

void run_reader(const options& o, const std::vector<pair_fds>& pairs,
                size_t first, size_t last, int64_t t_measure, int64_t t_end,
                reader_result& out) {
  int ep = ::epoll_create1(0);
  std::vector<size_t> partial(pairs.size(), 0); // bytes into the record
  std::vector<std::array<char, 8>> head(pairs.size());
  for (size_t k = first; k < last; ++k) {
    epoll_event ev{};
    ev.events = EPOLLIN; // level-triggered: one recv per readiness
    ev.data.u64 = k;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, pairs[k].client, &ev);
  }
  std::vector<epoll_event> events(256);
  std::vector<char> buf(1 << 16);
  while (now_ns() < t_end + 200'000'000) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                         50);
    for (int e = 0; e < n; ++e) {
      auto k = events[e].data.u64;
      auto got = ::recv(pairs[k].client, buf.data(), buf.size(), 0);
      if (got <= 0)
        continue;
      auto t_recv = now_ns();
      for (ssize_t i = 0; i < got; ++i) {
        auto& pos = partial[k];
        if (pos < 8)
          head[k][pos] = buf[i];
        if (++pos == static_cast<size_t>(o.bytes)) {
          int64_t created;
          std::memcpy(&created, head[k].data(), 8);
          if (created >= t_measure && created < t_end) {
            out.latencies_ns.push_back(t_recv - created);
            ++out.records;
          }
          pos = 0;
        }
      }
    }
  }
  ::close(ep);
}

double percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto i = static_cast<size_t>(p * (sorted.size() - 1));
  return sorted[i] / 1e6;
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  auto pairs = open_pairs(o.clients);
  auto t0 = now_ns() + 50'000'000;
  auto t_measure = t0 + static_cast<int64_t>(o.warmup_s * 1e9);
  auto t_end = t_measure + static_cast<int64_t>(o.duration_s * 1e9);
  std::atomic<uint64_t> sends{0};
  std::vector<reader_result> results(o.readers);
  std::vector<std::thread> threads;
  auto slice = [&](int i, int of) {
    return std::pair<size_t, size_t>{pairs.size() * i / of,
                                     pairs.size() * (i + 1) / of};
  };
  auto cpu0 = cpu_seconds();
  for (int i = 0; i < o.readers; ++i) {
    auto [a, b] = slice(i, o.readers);
    threads.emplace_back(run_reader, std::cref(o), std::cref(pairs), a, b,
                         t_measure, t_end, std::ref(results[i]));
  }
  for (int i = 0; i < o.senders; ++i) {
    auto [a, b] = slice(i, o.senders);
    threads.emplace_back(run_sender, std::cref(o), std::cref(pairs), a, b, t0,
                         t_end, std::ref(sends));
  }
  for (auto& t : threads)
    t.join();
  auto cpu = cpu_seconds() - cpu0;
  std::vector<int64_t> all;
  uint64_t records = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    records += r.records;
  }
  std::sort(all.begin(), all.end());
  auto wall = (t_end - t0) / 1e9;
  std::printf("{\"tool\":\"loopback-floor\",\"clients\":%d,\"rate\":%.0f,"
              "\"bytes\":%d,\"senders\":%d,\"readers\":%d,"
              "\"events_per_s\":%.1f,\"sends_per_s\":%.1f,"
              "\"latency_ms\":{\"samples\":%zu,\"p50\":%.3f,\"p99\":%.3f,"
              "\"p999\":%.3f},\"cpu_pct\":%.1f}\n",
              o.clients, o.rate, o.bytes, o.senders, o.readers,
              records / o.duration_s, sends.load() / wall, all.size(),
              percentile(all, 0.5), percentile(all, 0.99),
              percentile(all, 0.999), 100 * cpu / (wall + 0.2));
  std::printf("loopback-floor: %d clients x %.0f ev/s (%d B), %d sender(s), "
              "%d reader(s): %.0f msg/s delivered (%.1f%% of expected), "
              "%.0f sends/s; latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms "
              "max %.2f ms; CPU %.0f%%\n",
              o.clients, o.rate, o.bytes, o.senders, o.readers,
              records / o.duration_s,
              100.0 * records / (o.clients * o.rate * o.duration_s),
              sends.load() / wall, percentile(all, 0.5), percentile(all, 0.99),
              percentile(all, 0.999), all.empty() ? 0 : all.back() / 1e6,
              100 * cpu / (wall + 0.2));
  for (auto& p : pairs) {
    ::close(p.server);
    ::close(p.client);
  }
  return 0;
}
