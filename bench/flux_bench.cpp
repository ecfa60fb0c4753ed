// flux-bench: a WebSocket load generator for Flux (native protocol) and for
// Socket.IO servers (Engine.IO v4 + Socket.IO v5 over WebSocket), e.g. the
// reference server in bench/reference/.
//
// It opens N clients on 127.0.0.1 (spreading source addresses over
// 127.0.0.1, 127.0.0.2, … every --per-source-addr connections), subscribes
// each to rooms, and after a warm-up measures for a fixed time: connections
// ok / failed, delivered events per second, end-to-end latency from the
// event's creation time (`"t_us"` in its payload, CLOCK_REALTIME µs) to
// receipt, bytes received, and the server's RSS and CPU from /proc.
// Every run is bounded in time and exits by itself; it prints one JSON line
// and one human-readable line. `flux-bench --help` lists the options.
//
// The opening handshake goes through Beast's HTTP parser; after it the
// client frames WebSocket messages itself (masked writes, one non-blocking
// read per readiness into a buffer per thread), so that its own cost per
// message stays small next to the server's on shared cores.
//
// Modes:
//   stream  connect all clients, subscribe, warm up, measure (default)
//   idle    the same, for idle rooms: reports server RSS per connection
//   churn   clients connect, subscribe, wait for their snapshot and leave,
//           at a fixed rate: reports the time to the snapshot

#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <rapidjson/document.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

// -- clocks --------------------------------------------------------------------

int64_t realtime_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t mono_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// -- histogram -----------------------------------------------------------------

// Log-linear histogram of non-negative integers (microseconds): exact below
// 128, then 64 buckets per power of two (relative error < 1.6 %).
class histogram {
public:
  histogram() : counts_(64 * 60, 0) {}

  void record(int64_t v) {
    if (v < 0) {
      ++negative_;
      v = 0;
    }
    ++counts_[index(static_cast<uint64_t>(v))];
    ++n_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  void merge(const histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i)
      counts_[i] += o.counts_[i];
    n_ += o.n_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    negative_ += o.negative_;
  }

  uint64_t count() const { return n_; }
  int64_t max() const { return max_; }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  uint64_t negative() const { return negative_; }

  // The value at quantile q (0..1): the middle of its bucket.
  double quantile(double q) const {
    if (n_ == 0)
      return 0;
    auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n_)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        auto lo = lower(i);
        auto hi = lower(i + 1);
        auto mid = static_cast<double>(lo) + static_cast<double>(hi - lo - 1) / 2;
        return std::min(mid, static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

private:
  static size_t index(uint64_t v) {
    if (v < 128)
      return v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6; // v >> shift is in [64, 128)
    return static_cast<size_t>(64 * shift) + static_cast<size_t>(v >> shift);
  }
  static uint64_t lower(size_t i) {
    if (i < 128)
      return i;
    size_t shift = i / 64 - 1;
    uint64_t mant = i % 64 + 64;
    return mant << shift;
  }

  std::vector<uint64_t> counts_;
  uint64_t n_ = 0;
  double sum_ = 0;
  int64_t max_ = 0;
  uint64_t negative_ = 0;
};

// -- options -------------------------------------------------------------------

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string protocol = "native"; // native | socketio
  std::string path;                // default per protocol
  std::string mode = "stream";     // stream | idle | churn
  size_t clients = 100;
  size_t threads = 1;
  std::vector<std::string> rooms_list; // --room (repeatable)
  std::string room_prefix = "bench.";
  size_t rooms = 1;            // --rooms R: rooms <prefix>0 … <prefix>R-1
  size_t subs = 1;             // rooms per client
  double warmup_s = 2;
  double duration_s = 5;
  double connect_timeout_s = 30;
  size_t connect_concurrency = 256;
  double deadline_s = 0;       // 0: computed from the others
  int server_pid = 0;
  double rate = 0;             // server's event rate, for the expected figure
  size_t per_source_addr = 20000;
  double churn_rate = 100;     // clients per second (churn)
  size_t churn_inflight = 1000;
  bool validate = false;
  std::string label;
  std::string sio_event = "event";
  std::string sio_snapshot = "snapshot";
  std::string sio_subscribe = "subscribe";
  bool quiet = false;
  std::string ready_file;      // created once every client is ready
  double await_events_s = 0;   // then wait for events to flow, at most this
};

void usage() {
  std::cout <<
R"(flux-bench: WebSocket load generator for Flux and Socket.IO servers

  --host=127.0.0.1         server address
  --port=8080              server port
  --protocol=native        native (Flux /ws) or socketio (Engine.IO 4 / Socket.IO 5)
  --path=PATH              default /ws, or /socket.io/?EIO=4&transport=websocket
  --mode=stream            stream | idle | churn
  --clients=100            clients (stream, idle)
  --threads=1              load generator threads (one io_context each)
  --room=NAME              subscribe to NAME (repeatable; overrides --rooms)
  --rooms=1                rooms <prefix>0 … <prefix>R-1
  --room-prefix=bench.
  --subs=1                 rooms per client (client i gets rooms (i*subs+j) mod R)
  --warmup=2               seconds after all clients are ready, before measuring
  --duration=5             seconds measured (churn: seconds of churn)
  --connect-timeout=30     seconds for all clients to connect and subscribe
  --connect-concurrency=256  connection attempts in flight at most
  --deadline=S             hard limit for the whole run (default: the sum + 15 s)
  --server-pid=PID         sample the server's RSS and CPU from /proc/PID
  --rate=R                 the server's event rate (events/s over all rooms), to
                           report the expected delivery rate
  --per-source-addr=20000  connections per loopback source address (127.0.0.1, .2, …)
  --churn-rate=100         churn: clients started per second
  --churn-inflight=1000    churn: clients in flight at most (more are skipped)
  --validate               parse every message with RapidJSON and cross-check
  --label=TEXT             copied into the JSON line
  --sio-event=event        socketio: event name of stream events
  --sio-snapshot=snapshot  socketio: event name of snapshots
  --sio-subscribe=subscribe  socketio: event emitted to subscribe ({"room":R})
  --ready-file=PATH        create PATH once every client is ready (the
                           servers' bench sources wait for it to start)
  --await-events=S         after that, wait up to S s for the first event
                           before the warm-up
  --quiet                  no progress lines on stderr
)";
}

bool parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    }
    if (a.rfind("--", 0) != 0) {
      std::cerr << "flux-bench: unexpected argument " << a << "\n";
      return false;
    }
    auto eq = a.find('=');
    std::string key = a.substr(2, eq == std::string::npos ? std::string::npos
                                                          : eq - 2);
    std::string val;
    bool has_val = eq != std::string::npos;
    if (has_val)
      val = a.substr(eq + 1);
    auto need = [&]() -> bool {
      if (has_val)
        return true;
      if (i + 1 < argc) {
        val = argv[++i];
        return true;
      }
      std::cerr << "flux-bench: --" << key << " needs a value\n";
      return false;
    };
    try {
      if (key == "validate") o.validate = true;
      else if (key == "quiet") o.quiet = true;
      else if (!need()) return false;
      else if (key == "host") o.host = val;
      else if (key == "port") o.port = static_cast<uint16_t>(std::stoul(val));
      else if (key == "protocol") o.protocol = val;
      else if (key == "path") o.path = val;
      else if (key == "mode") o.mode = val;
      else if (key == "clients") o.clients = std::stoul(val);
      else if (key == "threads") o.threads = std::stoul(val);
      else if (key == "room") o.rooms_list.push_back(val);
      else if (key == "rooms") o.rooms = std::stoul(val);
      else if (key == "room-prefix") o.room_prefix = val;
      else if (key == "subs") o.subs = std::stoul(val);
      else if (key == "warmup") o.warmup_s = std::stod(val);
      else if (key == "duration") o.duration_s = std::stod(val);
      else if (key == "connect-timeout") o.connect_timeout_s = std::stod(val);
      else if (key == "connect-concurrency") o.connect_concurrency = std::stoul(val);
      else if (key == "deadline") o.deadline_s = std::stod(val);
      else if (key == "server-pid") o.server_pid = std::stoi(val);
      else if (key == "rate") o.rate = std::stod(val);
      else if (key == "per-source-addr") o.per_source_addr = std::stoul(val);
      else if (key == "churn-rate") o.churn_rate = std::stod(val);
      else if (key == "churn-inflight") o.churn_inflight = std::stoul(val);
      else if (key == "label") o.label = val;
      else if (key == "ready-file") o.ready_file = val;
      else if (key == "await-events") o.await_events_s = std::stod(val);
      else if (key == "sio-event") o.sio_event = val;
      else if (key == "sio-snapshot") o.sio_snapshot = val;
      else if (key == "sio-subscribe") o.sio_subscribe = val;
      else {
        std::cerr << "flux-bench: unknown option --" << key << "\n";
        return false;
      }
    } catch (std::exception&) {
      std::cerr << "flux-bench: bad value for --" << key << ": " << val << "\n";
      return false;
    }
  }
  if (o.protocol != "native" && o.protocol != "socketio") {
    std::cerr << "flux-bench: --protocol must be native or socketio\n";
    return false;
  }
  if (o.mode != "stream" && o.mode != "idle" && o.mode != "churn") {
    std::cerr << "flux-bench: --mode must be stream, idle or churn\n";
    return false;
  }
  if (o.path.empty())
    o.path = o.protocol == "native" ? "/ws"
                                    : "/socket.io/?EIO=4&transport=websocket";
  o.threads = std::clamp<size_t>(o.threads, 1, 64);
  o.rooms = std::max<size_t>(o.rooms, 1);
  o.subs = std::max<size_t>(o.subs, 1);
  o.per_source_addr = std::max<size_t>(o.per_source_addr, 1);
  o.connect_concurrency = std::max<size_t>(o.connect_concurrency, 1);
  if (!o.rooms_list.empty())
    o.subs = std::min(o.subs, o.rooms_list.size());
  else
    o.subs = std::min(o.subs, o.rooms);
  if (o.deadline_s <= 0)
    o.deadline_s = o.connect_timeout_s + o.await_events_s + o.warmup_s
                   + o.duration_s + 15;
  return true;
}

// -- /proc ---------------------------------------------------------------------

int64_t proc_rss_kb(int pid) {
  if (pid <= 0)
    return -1;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

// utime + stime of a process, in seconds.
double proc_cpu_s(int pid) {
  if (pid <= 0)
    return -1;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string s;
  std::getline(in, s);
  auto rp = s.rfind(')');
  if (rp == std::string::npos)
    return -1;
  std::istringstream rest{s.substr(rp + 2)};
  std::string f;
  double ticks = 0;
  for (int field = 3; rest >> f; ++field) {
    if (field == 14 || field == 15)
      ticks += std::stod(f);
    if (field == 15)
      break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The 1-minute load average: other work on the machine skews figures.
double loadavg1() {
  std::ifstream in{"/proc/loadavg"};
  double v = -1;
  in >> v;
  return v;
}

size_t raise_nofile() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return static_cast<size_t>(rl.rlim_cur);
}

// -- scanning ------------------------------------------------------------------

const char* find(const char* b, const char* e, std::string_view needle) {
  if (b >= e)
    return nullptr;
  return static_cast<const char*>(memmem(b, static_cast<size_t>(e - b),
                                         needle.data(), needle.size()));
}

// Parses the integer after `"t_us":` at p (p points past the colon).
bool parse_int(const char* p, const char* e, int64_t& out) {
  while (p < e && *p == ' ')
    ++p;
  int64_t v = 0;
  const char* start = p;
  while (p < e && *p >= '0' && *p <= '9')
    v = v * 10 + (*p++ - '0');
  if (p == start)
    return false;
  out = v;
  return true;
}

// -- shared run state ----------------------------------------------------------

struct shared_state {
  std::atomic<bool> measuring{false};
  std::atomic<bool> churning{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> any_event{false};
};

struct worker;

// What a message told us, for the client's state machine.
struct scan_result {
  size_t events = 0;
  size_t snapshots = 0;
  size_t subscribed = 0;
  size_t errors = 0;
  bool hello = false;
  // socketio
  bool eio_open = false;
  bool sio_connected = false;
  bool eio_ping = false;
  bool sio_refused = false;
};

struct worker_stats {
  // connection lifecycle
  uint64_t attempts = 0;
  uint64_t connected = 0; // WebSocket handshake done
  uint64_t ready = 0;     // subscribed with the snapshot of every room
  uint64_t failed = 0;    // connect or handshake failed
  uint64_t closed = 0;    // closed after connecting (by the server or error)
  uint64_t server_errors = 0; // error frames
  std::map<std::string, uint64_t> fail_reasons;
  std::map<std::string, uint64_t> close_reasons;
  // measured window
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t events_no_ts = 0;
  histogram latency_us;
  // whole run
  uint64_t events_total = 0;
  uint64_t bytes_total = 0;
  histogram connect_us;   // connect start -> handshake done
  histogram snapshot_us;  // connect start -> last snapshot
  histogram sub_snap_us;  // subscribe sent -> last snapshot
  // churn
  uint64_t churn_started = 0;
  uint64_t churn_done = 0;
  uint64_t churn_failed = 0;
  uint64_t churn_skipped = 0;
  // validation
  uint64_t validated = 0;
  uint64_t validate_mismatch = 0;
  uint64_t validate_bad_json = 0;
};

class client;

struct worker {
  asio::io_context ioc{1};
  std::vector<std::shared_ptr<client>> clients; // stream/idle: kept alive
  std::deque<size_t> pending;                   // client indexes to start
  size_t inflight_connects = 0;
  std::atomic<size_t> churn_inflight{0}; // written by this worker only
  worker_stats st;
  std::atomic<uint64_t> ready_count{0};
  std::atomic<uint64_t> failed_count{0};
  std::atomic<uint64_t> connected_count{0};
  std::thread thread;
};

const options* g_opts = nullptr;
shared_state* g_state = nullptr;
tcp::endpoint g_server;

// -- client --------------------------------------------------------------------

class client : public std::enable_shared_from_this<client> {
public:
  client(worker& w, size_t index, bool churn)
    : w_(w), index_(index), churn_(churn), stream_(asio::make_strand(w.ioc)) {}

  void start() {
    auto& o = *g_opts;
    t_start_ = mono_us();
    ++w_.st.attempts;
    auto& sock = stream_.socket();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (ec)
      return fail("open: " + ec.message());
    int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                 &one, sizeof one);
    // 127.0.0.1, then 127.0.0.2, … every per_source_addr connections.
    auto slot = static_cast<uint32_t>(index_ / o.per_source_addr);
    asio::ip::address_v4 src{0x7f000001u + std::min<uint32_t>(slot, 250)};
    sock.bind(tcp::endpoint{src, 0}, ec);
    if (ec)
      return fail("bind " + src.to_string() + ": " + ec.message());
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(
      g_server, [self = shared_from_this()](beast::error_code ec) {
        self->on_connect(ec);
      });
  }

private:
  void on_connect(beast::error_code ec) {
    if (ec)
      return fail("connect: " + ec.message());
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // The opening handshake (RFC 6455 4.1), read with a buffer of our own:
    // what the server sends right after its 101 (Socket.IO's open packet)
    // may come in the same read.
    req_.method(http::verb::get);
    req_.target(g_opts->path);
    req_.version(11);
    req_.set(http::field::host, g_opts->host + ":" + std::to_string(g_opts->port));
    req_.set(http::field::upgrade, "websocket");
    req_.set(http::field::connection, "Upgrade");
    req_.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req_.set(http::field::sec_websocket_version, "13");
    stream_.expires_after(std::chrono::seconds(20));
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  std::size_t) {
                        if (ec)
                          return self->fail("handshake: " + ec.message());
                        http::async_read(self->stream_, self->hbuf_, self->res_,
                                         [self](beast::error_code ec,
                                                std::size_t) {
                                           self->on_handshake(ec);
                                         });
                      });
  }

  void on_handshake(beast::error_code ec) {
    if (ec)
      return fail("handshake: " + ec.message());
    if (res_.result() != http::status::switching_protocols)
      return fail("handshake: HTTP " + std::to_string(res_.result_int()));
    // From here on the client frames messages itself: a read costs one
    // recv of whatever arrived, however many messages that holds, and an
    // idle client holds no read buffer (one per worker thread).
    stream_.expires_never();
    sock_.emplace(stream_.release_socket());
    sock_->non_blocking(true, ec);
    connected_ = true;
    t_connected_ = mono_us();
    ++w_.st.connected;
    w_.connected_count.fetch_add(1, std::memory_order_relaxed);
    w_.st.connect_us.record(t_connected_ - t_start_);
    connect_done();
    if (g_opts->protocol == "native")
      send_subscribes();
    // socketio: wait for the Engine.IO open packet, then CONNECT.
    if (hbuf_.size() > 0) {
      std::string early = beast::buffers_to_string(hbuf_.data());
      hbuf_ = beast::flat_buffer{};
      consume(early.data(), early.size());
      if (ended_)
        return;
    }
    res_ = {};
    do_read();
  }

  void connect_done() {
    if (!churn_ && w_.inflight_connects > 0) {
      --w_.inflight_connects;
      start_pending(w_);
    }
  }

  void send_subscribes() {
    auto& o = *g_opts;
    t_sub_ = mono_us();
    for (size_t j = 0; j < o.subs; ++j) {
      std::string room;
      if (!o.rooms_list.empty())
        room = o.rooms_list[(index_ * o.subs + j) % o.rooms_list.size()];
      else
        room = o.room_prefix + std::to_string((index_ * o.subs + j) % o.rooms);
      if (o.protocol == "native")
        send("{\"op\":\"subscribe\",\"room\":\"" + room + "\",\"id\":"
             + std::to_string(j + 1) + "}");
      else
        send("42[\"" + o.sio_subscribe + "\",{\"room\":\"" + room + "\"}]");
    }
  }

  void send(std::string text, uint8_t opcode = 0x1) {
    out_.push_back(client_frame(opcode, text));
    if (!writing_)
      do_write();
  }

  void do_write() {
    if (out_.empty() || ended_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    asio::async_write(*sock_, asio::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec,
                                                std::size_t) {
                      self->out_.pop_front();
                      if (ec) {
                        self->writing_ = false;
                        return; // the read side reports the failure
                      }
                      self->do_write();
                    });
  }

  // A masked client frame (RFC 6455 5.3).
  std::string client_frame(uint8_t opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    auto n = payload.size();
    if (n < 126) {
      f.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>(n >> 8));
      f.push_back(static_cast<char>(n & 0xFF));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i)
        f.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xFF));
    }
    mask_seed_ = mask_seed_ * 6364136223846793005ull + 1442695040888963407ull;
    uint8_t key[4];
    for (int i = 0; i < 4; ++i)
      key[i] = static_cast<uint8_t>(mask_seed_ >> (8 * (i + 4)));
    f.append(reinterpret_cast<const char*>(key), 4);
    for (size_t i = 0; i < n; ++i)
      f.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
    return f;
  }

  void do_read() {
    sock_->async_wait(tcp::socket::wait_read,
                      [self = shared_from_this()](beast::error_code ec) {
                        self->on_readable(ec);
                      });
  }

  void on_readable(beast::error_code ec) {
    if (ended_)
      return;
    if (ec)
      return on_end(ec.message());
    // Until the socket is empty: readiness is edge-triggered.
    static thread_local std::vector<char> buf(256 * 1024);
    for (int round = 0; round < 4; ++round) {
      auto n = sock_->read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again)
        return do_read();
      if (ec)
        return on_end(ec.message());
      consume(buf.data(), n);
      if (ended_)
        return;
    }
    asio::post(sock_->get_executor(),
               [self = shared_from_this()] { self->on_readable({}); });
  }

  // Handles the bytes of one read: every whole frame, and keeps the rest.
  void consume(const char* bytes, size_t n) {
    const char* data = bytes;
    size_t size = n;
    if (!in_.empty()) { // the rest of a frame from the last read
      in_.append(bytes, n);
      data = in_.data();
      size = in_.size();
    }
    size_t off = 0;
    while (!ended_ && size - off >= 2) {
      auto b0 = static_cast<uint8_t>(data[off]);
      auto b1 = static_cast<uint8_t>(data[off + 1]);
      uint64_t len = b1 & 0x7F;
      size_t head = 2;
      if (len == 126) {
        if (size - off < 4)
          break;
        len = (uint64_t{static_cast<uint8_t>(data[off + 2])} << 8)
              | static_cast<uint8_t>(data[off + 3]);
        head = 4;
      } else if (len == 127) {
        if (size - off < 10)
          break;
        len = 0;
        for (int i = 0; i < 8; ++i)
          len = (len << 8) | static_cast<uint8_t>(data[off + 2 + i]);
        head = 10;
      }
      if ((b1 & 0x80) != 0 || len > (64u << 20))
        return on_end("bad server frame (masked or over 64 MB)");
      if (size - off < head + len)
        break;
      const char* payload = data + off + head;
      off += head + static_cast<size_t>(len);
      on_frame(b0, payload, static_cast<size_t>(len));
    }
    if (ended_)
      return;
    if (in_.empty()) {
      if (off < size)
        in_.assign(data + off, size - off);
    } else {
      in_.erase(0, off);
      if (in_.capacity() > (1u << 20) && in_.size() < 4096)
        in_.shrink_to_fit();
    }
  }

  void on_frame(uint8_t b0, const char* payload, size_t size) {
    bool fin = (b0 & 0x80) != 0;
    uint8_t op = b0 & 0x0F;
    switch (op) {
      case 0x0: case 0x1: case 0x2:
        if (!fin || !msg_.empty()) { // a fragmented message
          msg_.append(payload, size);
          if (!fin)
            return;
          std::string whole;
          whole.swap(msg_);
          on_message(whole.data(), whole.size());
          return;
        }
        on_message(payload, size);
        return;
      case 0x8: {
        std::string why = "closed";
        if (size >= 2)
          why += " " + std::to_string((static_cast<uint8_t>(payload[0]) << 8)
                                      | static_cast<uint8_t>(payload[1]));
        if (size > 2)
          why += " " + std::string(payload + 2, size - 2);
        return on_end(why);
      }
      case 0x9:
        send(std::string(payload, size), 0xA); // pong
        return;
      default:
        return; // pong
    }
  }

  // The connection ended (a close frame, an error or the end of stream).
  void on_end(const std::string& why) {
    if (ended_)
      return;
    ended_ = true;
    beast::error_code ignored;
    sock_->close(ignored);
    if (closing_ && churn_)
      return churn_finished(true);
    ++w_.st.closed;
    ++w_.st.close_reasons[why];
    if (churn_)
      churn_finished(false);
  }

  void on_message(const char* p, size_t n) {
    auto now_real = realtime_us();
    auto size = n;
    scan_result r;
    bool measuring = g_state->measuring.load(std::memory_order_relaxed);
    if (g_opts->protocol == "native")
      scan_native(p, p + size, now_real, measuring, r);
    else
      scan_socketio(p, p + size, now_real, measuring, r);
    if (g_opts->validate)
      validate(p, size, r);
    w_.st.events_total += r.events;
    if (r.events > 0 && !g_state->any_event.load(std::memory_order_relaxed))
      g_state->any_event.store(true, std::memory_order_relaxed);
    w_.st.bytes_total += n;
    if (measuring) {
      w_.st.events += r.events;
      w_.st.bytes += n;
      ++w_.st.messages;
    }
    w_.st.server_errors += r.errors;

    if (r.eio_ping)
      send("3");
    if (r.eio_open)
      send("40");
    if (r.sio_connected)
      send_subscribes();
    if (r.sio_refused) {
      ++w_.st.failed;
      ++w_.st.fail_reasons["socket.io connect refused"];
      return close_now();
    }
    if (r.snapshots > 0 && !ready_) {
      snapshots_ += r.snapshots;
      if (snapshots_ >= g_opts->subs) {
        ready_ = true;
        auto now = mono_us();
        w_.st.snapshot_us.record(now - t_start_);
        w_.st.sub_snap_us.record(now - t_sub_);
        ++w_.st.ready;
        w_.ready_count.fetch_add(1, std::memory_order_relaxed);
        if (churn_) {
          // Leave: a clean close handshake (our close, the server's answer),
          // then we are done.
          send(std::string("\x03\xE8", 2), 0x8);
          closing_ = true;
        }
      }
    }
  }

  void scan_native(const char* b, const char* e, int64_t now_real,
                   bool measuring, scan_result& r) {
    static constexpr std::string_view type_key = "\"type\":\"";
    static constexpr std::string_view t_us_key = "\"t_us\":";
    const char* p = find(b, e, type_key);
    while (p) {
      const char* v = p + type_key.size();
      const char* next = find(v, e, type_key);
      const char* seg_end = next ? next : e;
      auto rest = static_cast<size_t>(seg_end - v);
      auto is = [&](std::string_view t) {
        return rest > t.size() && std::memcmp(v, t.data(), t.size()) == 0
               && v[t.size()] == '"';
      };
      if (is("event")) {
        ++r.events;
        const char* t = find(v, seg_end, t_us_key);
        int64_t created = 0;
        if (t && parse_int(t + t_us_key.size(), seg_end, created)) {
          if (measuring)
            w_.st.latency_us.record(now_real - created);
        } else if (measuring) {
          ++w_.st.events_no_ts;
        }
      } else if (is("snapshot")) {
        ++r.snapshots;
      } else if (is("subscribed")) {
        ++r.subscribed;
      } else if (is("error")) {
        ++r.errors;
      } else if (is("hello")) {
        r.hello = true;
      }
      p = next;
    }
  }

  void scan_socketio(const char* b, const char* e, int64_t now_real,
                     bool measuring, scan_result& r) {
    static constexpr std::string_view t_us_key = "\"t_us\":";
    if (b == e)
      return;
    switch (*b) {
      case '0': r.eio_open = true; return;
      case '2': r.eio_ping = true; return;
      case '4': break;
      default: return;
    }
    if (e - b < 2)
      return;
    char t = b[1];
    if (t == '0') {
      r.sio_connected = true;
      return;
    }
    if (t == '4') {
      r.sio_refused = true;
      return;
    }
    if (t != '2')
      return;
    // 42[/ns,][ackid]["name",…]
    const char* p = b + 2;
    if (p < e && *p == '/') {
      const char* comma = static_cast<const char*>(
        std::memchr(p, ',', static_cast<size_t>(e - p)));
      if (!comma)
        return;
      p = comma + 1;
    }
    while (p < e && *p >= '0' && *p <= '9')
      ++p;
    if (e - p < 3 || p[0] != '[' || p[1] != '"')
      return;
    const char* name = p + 2;
    const char* q = static_cast<const char*>(
      std::memchr(name, '"', static_cast<size_t>(e - name)));
    if (!q)
      return;
    std::string_view ev{name, static_cast<size_t>(q - name)};
    if (ev == g_opts->sio_event) {
      // One event, or a batch of them: count every timestamp.
      size_t found = 0;
      for (const char* s = find(q, e, t_us_key); s;
           s = find(s + t_us_key.size(), e, t_us_key)) {
        ++found;
        int64_t created = 0;
        if (measuring && parse_int(s + t_us_key.size(), e, created))
          w_.st.latency_us.record(now_real - created);
      }
      if (found == 0) {
        found = 1;
        if (measuring)
          ++w_.st.events_no_ts;
      }
      r.events += found;
    } else if (ev == g_opts->sio_snapshot) {
      ++r.snapshots;
    } else if (ev == "subscribed") {
      ++r.subscribed;
    } else if (ev == "error") {
      ++r.errors;
    }
  }

  // Cross-checks the fast scanner with a real JSON parse.
  void validate(const char* p, size_t size, const scan_result& r) {
    std::string_view text{p, size};
    size_t events = 0;
    size_t snapshots = 0;
    if (g_opts->protocol == "socketio") {
      if (text.rfind("42", 0) != 0)
        return;
      auto lb = text.find('[');
      if (lb == std::string_view::npos)
        return;
      text.remove_prefix(lb);
    }
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError()) {
      ++w_.st.validate_bad_json;
      return;
    }
    ++w_.st.validated;
    auto count = [&](const rapidjson::Value& f) {
      if (!f.IsObject() || !f.HasMember("type") || !f["type"].IsString())
        return;
      std::string_view type{f["type"].GetString(), f["type"].GetStringLength()};
      if (type == "event")
        ++events;
      else if (type == "snapshot")
        ++snapshots;
    };
    if (g_opts->protocol == "native") {
      if (d.IsArray())
        for (auto& f : d.GetArray())
          count(f);
      else
        count(d);
    } else if (d.IsArray() && d.Size() >= 1 && d[0].IsString()) {
      std::string_view name{d[0].GetString(), d[0].GetStringLength()};
      if (name == g_opts->sio_event) {
        events = r.events; // payload shape is the server's business
      } else if (name == g_opts->sio_snapshot) {
        snapshots = 1;
      }
    }
    if (events != r.events || snapshots != r.snapshots)
      ++w_.st.validate_mismatch;
  }

  void fail(std::string why) {
    ++w_.st.failed;
    w_.failed_count.fetch_add(1, std::memory_order_relaxed);
    // Group reasons by their text without the address details.
    ++w_.st.fail_reasons[why];
    if (churn_) {
      --w_.churn_inflight;
      ++w_.st.churn_failed;
      return;
    }
    connect_done();
  }

  void churn_finished(bool ok) {
    --w_.churn_inflight;
    if (ok && ready_)
      ++w_.st.churn_done;
    else
      ++w_.st.churn_failed;
  }

  void close_now() {
    closing_ = true;
    ended_ = true;
    beast::error_code ec;
    if (sock_)
      sock_->close(ec);
    else
      stream_.socket().close(ec);
  }

public:
  static void start_pending(worker& w);

private:
  worker& w_;
  size_t index_;
  bool churn_;
  beast::tcp_stream stream_;                // connect and handshake
  http::request<http::empty_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer hbuf_;
  std::optional<tcp::socket> sock_;         // after the handshake
  std::string in_;  // an incomplete frame from the last read
  std::string msg_; // fragments of a message
  uint64_t mask_seed_ = 0x9E3779B97F4A7C15ull;
  bool ended_ = false;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closing_ = false;
  bool connected_ = false;
  bool ready_ = false;
  size_t snapshots_ = 0;
  int64_t t_start_ = 0;
  int64_t t_connected_ = 0;
  int64_t t_sub_ = 0;
};

// Starts queued clients while fewer than the allowed connects are in flight.
void client::start_pending(worker& w) {
  size_t limit = std::max<size_t>(1, g_opts->connect_concurrency
                                       / g_opts->threads);
  while (!w.pending.empty() && w.inflight_connects < limit
         && !g_state->stopping.load(std::memory_order_relaxed)) {
    auto idx = w.pending.front();
    w.pending.pop_front();
    auto c = std::make_shared<client>(w, idx, false);
    w.clients.push_back(c);
    ++w.inflight_connects;
    c->start();
  }
}

// -- churn driver --------------------------------------------------------------

struct churn_driver : std::enable_shared_from_this<churn_driver> {
  worker& w;
  asio::steady_timer timer;
  double rate; // this worker's share, clients/s
  size_t inflight_limit;
  int64_t t0 = 0;
  uint64_t launched = 0;
  size_t next_index;
  size_t stride;

  churn_driver(worker& wk, double r, size_t limit, size_t first, size_t step)
    : w(wk), timer(wk.ioc), rate(r), inflight_limit(limit), next_index(first),
      stride(step) {}

  void start() {
    t0 = mono_us();
    tick();
  }

  void tick() {
    if (!g_state->churning.load(std::memory_order_relaxed))
      return;
    auto elapsed = static_cast<double>(mono_us() - t0) / 1e6;
    auto due = static_cast<uint64_t>(elapsed * rate);
    while (launched < due) {
      ++launched;
      if (w.churn_inflight >= inflight_limit) {
        ++w.st.churn_skipped;
        continue;
      }
      ++w.churn_inflight;
      ++w.st.churn_started;
      auto c = std::make_shared<client>(w, next_index, true);
      next_index += stride;
      c->start();
    }
    timer.expires_after(std::chrono::milliseconds(5));
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->tick();
    });
  }
};

// -- output --------------------------------------------------------------------

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v, int prec = 3) {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// Quantiles of a histogram in µs, written in ms.
std::string hist_ms_json(const histogram& h) {
  std::ostringstream o;
  o << "{\"samples\":" << h.count()
    << ",\"p50\":" << num(h.quantile(0.50) / 1000)
    << ",\"p90\":" << num(h.quantile(0.90) / 1000)
    << ",\"p99\":" << num(h.quantile(0.99) / 1000)
    << ",\"p999\":" << num(h.quantile(0.999) / 1000)
    << ",\"max\":" << num(static_cast<double>(h.max()) / 1000)
    << ",\"mean\":" << num(h.mean() / 1000) << "}";
  return o.str();
}

std::string map_json(const std::map<std::string, uint64_t>& m) {
  std::string out = "{";
  bool first = true;
  for (auto& [k, v] : m) {
    if (!first)
      out += ',';
    first = false;
    out += "\"" + json_escape(k) + "\":" + std::to_string(v);
  }
  return out + "}";
}

void progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void progress(const char* fmt, ...) {
  if (g_opts->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "[flux-bench] ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse_args(argc, argv, o)) {
    std::cerr << "flux-bench: --help lists the options\n";
    return 2;
  }
  g_opts = &o;
  shared_state state;
  g_state = &state;

  auto t_begin = mono_us();
  auto deadline_us = t_begin + static_cast<int64_t>(o.deadline_s * 1e6);
  // The hard deadline: whatever happens, this process ends.
  std::thread([deadline_s = o.deadline_s] {
    std::this_thread::sleep_for(
      std::chrono::milliseconds(static_cast<int64_t>(deadline_s * 1000) + 5000));
    std::fprintf(stdout, "{\"tool\":\"flux-bench\",\"error\":\"hard deadline "
                         "exceeded\"}\nflux-bench: hard deadline exceeded\n");
    std::fflush(stdout);
    _exit(3);
  }).detach();

  auto nofile = raise_nofile();
  auto load_begin = loadavg1();
  bool churn = o.mode == "churn";
  if (!churn && o.clients + 32 > nofile)
    progress("warning: %zu clients but the open-file limit is %zu: clients "
             "past it will fail (EMFILE)", o.clients, nofile);

  beast::error_code ec;
  auto addr = asio::ip::make_address(o.host, ec);
  if (ec) {
    std::cerr << "flux-bench: bad --host " << o.host << "\n";
    return 2;
  }
  g_server = tcp::endpoint{addr, o.port};

  std::vector<std::unique_ptr<worker>> workers;
  for (size_t i = 0; i < o.threads; ++i)
    workers.push_back(std::make_unique<worker>());
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
    guards;
  for (auto& w : workers)
    guards.push_back(asio::make_work_guard(w->ioc));

  auto rss_base = proc_rss_kb(o.server_pid);
  int64_t rss_max = rss_base;
  auto sample_rss = [&] {
    auto v = proc_rss_kb(o.server_pid);
    rss_max = std::max(rss_max, v);
    return v;
  };

  auto sum = [&](auto field) {
    uint64_t total = 0;
    for (auto& w : workers)
      total += (w.get()->*field).load(std::memory_order_relaxed);
    return total;
  };

  double window_s = 0;
  int64_t rss_start = -1, rss_end = -1;
  double server_cpu_s = -1, self_cpu = 0;
  bool connect_timed_out = false;
  double await_s = 0;
  double connect_s = 0;

  if (!churn) {
    for (size_t i = 0; i < o.clients; ++i)
      workers[i % o.threads]->pending.push_back(i);
    for (auto& w : workers) {
      auto* wp = w.get();
      asio::post(wp->ioc, [wp] { client::start_pending(*wp); });
      wp->thread = std::thread([wp] { wp->ioc.run(); });
    }
    // Connect and subscribe everyone, bounded in time.
    auto connect_deadline = t_begin + static_cast<int64_t>(
                                        o.connect_timeout_s * 1e6);
    int64_t last_report = t_begin;
    for (;;) {
      auto ready = sum(&worker::ready_count);
      auto failed = sum(&worker::failed_count);
      auto now = mono_us();
      if (ready + failed >= o.clients)
        break;
      if (now >= connect_deadline || now >= deadline_us) {
        connect_timed_out = true;
        break;
      }
      if (now - last_report > 2000000) {
        last_report = now;
        progress("connecting: %" PRIu64 " connected, %" PRIu64 " ready, %"
                 PRIu64 " failed of %zu",
                 sum(&worker::connected_count), ready, failed, o.clients);
      }
      sample_rss();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    connect_s = static_cast<double>(mono_us() - t_begin) / 1e6;
    progress("%" PRIu64 " ready, %" PRIu64 " failed of %zu in %.1f s%s",
             sum(&worker::ready_count), sum(&worker::failed_count), o.clients,
             connect_s, connect_timed_out ? " (connect timeout)" : "");
    if (!o.ready_file.empty())
      std::ofstream{o.ready_file} << "ready\n";
    if (o.await_events_s > 0) {
      auto a0 = mono_us();
      auto a_end = std::min(a0 + static_cast<int64_t>(o.await_events_s * 1e6),
                            deadline_us);
      while (!state.any_event.load() && mono_us() < a_end) {
        sample_rss();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      await_s = static_cast<double>(mono_us() - a0) / 1e6;
    }
    // Warm-up, then the measured window.
    auto warm_end = mono_us() + static_cast<int64_t>(o.warmup_s * 1e6);
    while (mono_us() < std::min(warm_end, deadline_us)) {
      sample_rss();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    rss_start = sample_rss();
    auto cpu0 = proc_cpu_s(o.server_pid);
    auto self0 = self_cpu_s();
    auto m0 = mono_us();
    state.measuring = true;
    auto m_end = m0 + static_cast<int64_t>(o.duration_s * 1e6);
    while (mono_us() < std::min(m_end, deadline_us)) {
      sample_rss();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    state.measuring = false;
    auto m1 = mono_us();
    window_s = static_cast<double>(m1 - m0) / 1e6;
    rss_end = sample_rss();
    auto cpu1 = proc_cpu_s(o.server_pid);
    if (cpu0 >= 0 && cpu1 >= 0)
      server_cpu_s = cpu1 - cpu0;
    self_cpu = self_cpu_s() - self0;
  } else {
    for (auto& w : workers) {
      auto* wp = w.get();
      wp->thread = std::thread([wp] { wp->ioc.run(); });
    }
    rss_start = sample_rss();
    auto cpu0 = proc_cpu_s(o.server_pid);
    auto self0 = self_cpu_s();
    state.churning = true;
    state.measuring = true;
    auto m0 = mono_us();
    for (size_t i = 0; i < workers.size(); ++i) {
      auto* wp = workers[i].get();
      auto d = std::make_shared<churn_driver>(
        *wp, o.churn_rate / static_cast<double>(o.threads),
        std::max<size_t>(1, o.churn_inflight / o.threads), i, o.threads);
      asio::post(wp->ioc, [d] { d->start(); });
    }
    auto m_end = m0 + static_cast<int64_t>(o.duration_s * 1e6);
    while (mono_us() < std::min(m_end, deadline_us)) {
      sample_rss();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    state.churning = false;
    // Let the clients in flight finish (bounded).
    auto drain_end = std::min(mono_us() + 5000000, deadline_us);
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      size_t inflight = 0;
      for (auto& w : workers)
        inflight += w->churn_inflight.load(std::memory_order_relaxed);
      if (inflight == 0 || mono_us() >= drain_end)
        break;
    }
    state.measuring = false;
    window_s = static_cast<double>(mono_us() - m0) / 1e6;
    rss_end = sample_rss();
    auto cpu1 = proc_cpu_s(o.server_pid);
    if (cpu0 >= 0 && cpu1 >= 0)
      server_cpu_s = cpu1 - cpu0;
    self_cpu = self_cpu_s() - self0;
  }

  // Stop the I/O threads; everything below reads their state alone.
  state.stopping = true;
  guards.clear();
  for (auto& w : workers)
    w->ioc.stop();
  for (auto& w : workers)
    if (w->thread.joinable())
      w->thread.join();

  worker_stats total;
  for (auto& w : workers) {
    auto& s = w->st;
    total.attempts += s.attempts;
    total.connected += s.connected;
    total.ready += s.ready;
    total.failed += s.failed;
    total.closed += s.closed;
    total.server_errors += s.server_errors;
    for (auto& [k, v] : s.fail_reasons)
      total.fail_reasons[k] += v;
    for (auto& [k, v] : s.close_reasons)
      total.close_reasons[k] += v;
    total.events += s.events;
    total.messages += s.messages;
    total.bytes += s.bytes;
    total.events_no_ts += s.events_no_ts;
    total.latency_us.merge(s.latency_us);
    total.events_total += s.events_total;
    total.bytes_total += s.bytes_total;
    total.connect_us.merge(s.connect_us);
    total.snapshot_us.merge(s.snapshot_us);
    total.sub_snap_us.merge(s.sub_snap_us);
    total.churn_started += s.churn_started;
    total.churn_done += s.churn_done;
    total.churn_failed += s.churn_failed;
    total.churn_skipped += s.churn_skipped;
    total.validated += s.validated;
    total.validate_mismatch += s.validate_mismatch;
    total.validate_bad_json += s.validate_bad_json;
  }

  double events_per_s = window_s > 0 ? static_cast<double>(total.events)
                                         / window_s : 0;
  // Round-robin over R rooms: each subscription gets rate / R events/s.
  double rooms_n = static_cast<double>(
    o.rooms_list.empty() ? o.rooms : o.rooms_list.size());
  double expected = o.rate > 0 && !churn
                      ? o.rate / rooms_n * static_cast<double>(o.subs)
                          * static_cast<double>(total.ready)
                      : 0;
  int64_t connections = static_cast<int64_t>(total.ready);
  double rss_per_conn = -1;
  if (rss_base > 0 && rss_end > 0 && connections > 0)
    rss_per_conn = static_cast<double>(rss_end - rss_base) * 1024.0
                   / static_cast<double>(connections);
  bool deadline_hit = mono_us() >= deadline_us;

  std::ostringstream j;
  j << "{\"tool\":\"flux-bench\",\"label\":\"" << json_escape(o.label)
    << "\",\"protocol\":\"" << o.protocol << "\",\"mode\":\"" << o.mode
    << "\",\"clients\":" << (churn ? total.attempts : o.clients)
    << ",\"threads\":" << o.threads
    << ",\"rooms\":" << static_cast<size_t>(rooms_n)
    << ",\"subs_per_client\":" << o.subs
    << ",\"nofile_limit\":" << nofile
    << ",\"connected\":" << total.connected
    << ",\"ready\":" << total.ready
    << ",\"failed\":" << total.failed
    << ",\"closed\":" << total.closed
    << ",\"fail_reasons\":" << map_json(total.fail_reasons)
    << ",\"close_reasons\":" << map_json(total.close_reasons)
    << ",\"server_errors\":" << total.server_errors
    << ",\"connect_s\":" << num(connect_s)
    << ",\"connect_timed_out\":" << (connect_timed_out ? "true" : "false")
    << ",\"await_events_s\":" << num(await_s)
    << ",\"warmup_s\":" << num(o.warmup_s)
    << ",\"window_s\":" << num(window_s)
    << ",\"events\":" << total.events
    << ",\"events_per_s\":" << num(events_per_s, 1)
    << ",\"expected_per_s\":" << num(expected, 1)
    << ",\"delivery_ratio\":"
    << (expected > 0 ? num(events_per_s / expected, 4) : "null")
    << ",\"events_without_t_us\":" << total.events_no_ts
    << ",\"messages\":" << total.messages
    << ",\"bytes\":" << total.bytes
    << ",\"bytes_per_s\":" << num(window_s > 0 ? static_cast<double>(
                                                   total.bytes) / window_s
                                               : 0, 0)
    << ",\"events_total\":" << total.events_total
    << ",\"bytes_total\":" << total.bytes_total
    << ",\"latency_ms\":" << hist_ms_json(total.latency_us)
    << ",\"latency_negative\":" << total.latency_us.negative()
    << ",\"connect_ms\":" << hist_ms_json(total.connect_us)
    << ",\"snapshot_ms\":" << hist_ms_json(total.snapshot_us)
    << ",\"subscribe_to_snapshot_ms\":" << hist_ms_json(total.sub_snap_us);
  if (churn)
    j << ",\"churn\":{\"rate\":" << num(o.churn_rate, 1)
      << ",\"started\":" << total.churn_started
      << ",\"completed\":" << total.churn_done
      << ",\"failed\":" << total.churn_failed
      << ",\"skipped\":" << total.churn_skipped
      << ",\"completed_per_s\":"
      << num(window_s > 0 ? static_cast<double>(total.churn_done) / window_s
                          : 0, 1)
      << "}";
  j << ",\"server\":{\"pid\":" << o.server_pid
    << ",\"rss_base_kb\":" << rss_base << ",\"rss_start_kb\":" << rss_start
    << ",\"rss_end_kb\":" << rss_end << ",\"rss_max_kb\":" << rss_max
    << ",\"rss_per_conn_bytes\":"
    << (rss_per_conn >= 0 ? num(rss_per_conn, 0) : "null")
    << ",\"cpu_pct\":"
    << (server_cpu_s >= 0 && window_s > 0
          ? num(server_cpu_s / window_s * 100, 1) : "null")
    // CPU time the server spent per delivered event: less sensitive to
    // other load on the machine than throughput or latency.
    << ",\"cpu_us_per_event\":"
    << (server_cpu_s >= 0 && total.events > 0
          ? num(server_cpu_s * 1e6 / static_cast<double>(total.events), 2)
          : "null")
    << "},\"bench_cpu_pct\":"
    << num(window_s > 0 ? self_cpu / window_s * 100 : 0, 1);
  if (o.validate)
    j << ",\"validate\":{\"messages\":" << total.validated
      << ",\"mismatch\":" << total.validate_mismatch
      << ",\"bad_json\":" << total.validate_bad_json << "}";
  j << ",\"loadavg\":[" << num(load_begin, 2) << "," << num(loadavg1(), 2)
    << "]";
  j << ",\"deadline_hit\":" << (deadline_hit ? "true" : "false") << "}";

  std::printf("%s\n", j.str().c_str());
  auto lat = [&](double q) { return total.latency_us.quantile(q) / 1000; };
  if (churn) {
    std::printf(
      "flux-bench %s churn: %" PRIu64 " started at %.0f/s, %" PRIu64
      " completed, %" PRIu64 " failed, %" PRIu64 " skipped; snapshot p50 %.2f ms"
      " p99 %.2f ms p99.9 %.2f ms; server RSS %.1f MB, CPU %.0f%%\n",
      o.protocol.c_str(), total.churn_started, o.churn_rate, total.churn_done,
      total.churn_failed, total.churn_skipped,
      total.snapshot_us.quantile(0.5) / 1000,
      total.snapshot_us.quantile(0.99) / 1000,
      total.snapshot_us.quantile(0.999) / 1000,
      static_cast<double>(rss_end) / 1024.0,
      server_cpu_s >= 0 && window_s > 0 ? server_cpu_s / window_s * 100 : -1);
  } else {
    std::printf(
      "flux-bench %s %s: %" PRIu64 "/%zu ready, %" PRIu64 " failed, %" PRIu64
      " closed; %.0f events/s%s; latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms"
      "; %.1f MB/s; server RSS %.1f MB (%.0f B/conn), CPU %.0f%%; bench CPU "
      "%.0f%%\n",
      o.protocol.c_str(), o.mode.c_str(), total.ready, o.clients, total.failed,
      total.closed, events_per_s,
      expected > 0 ? (" (" + num(events_per_s / expected * 100, 1)
                      + "% of expected)").c_str()
                   : "",
      lat(0.5), lat(0.99), lat(0.999),
      window_s > 0 ? static_cast<double>(total.bytes) / window_s / 1e6 : 0,
      static_cast<double>(rss_end) / 1024.0, rss_per_conn,
      server_cpu_s >= 0 && window_s > 0 ? server_cpu_s / window_s * 100 : -1,
      window_s > 0 ? self_cpu / window_s * 100 : 0);
  }
  std::fflush(stdout);
  // Thousands of sockets: let the kernel close them.
  _exit(0);
}
