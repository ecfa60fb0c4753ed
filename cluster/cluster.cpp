#include "cluster/cluster.hpp"

#include <algorithm>
#include <memory>

#include "cluster/cluster_transport.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "runtime/status_gather.hpp"

namespace flux {

namespace {

using self_ptr = cluster_actor::stateful_pointer<cluster_state>;

void set_state(cluster_peer& p, const char* state) {
  if (p.state != state) {
    p.state = state;
    p.since_ms = now_ms();
  }
}

std::string peer_label(const cluster_peer& p) {
  return p.name.empty() ? p.address : p.name + " (" + p.address + ")";
}

cluster_peer* find_by_node(cluster_state& st, const caf::node_id& nid) {
  for (auto& p : st.peers)
    if (p.handle && p.handle.node() == nid)
      return &p;
  return nullptr;
}

void schedule_connect(self_ptr self, size_t i);

// The middleman found the actor published at the peer's address.
void on_dialled(self_ptr self, size_t i, caf::strong_actor_ptr ptr) {
  auto& p = self->state.peers[i];
  if (!ptr) {
    p.last_error = "nothing published at " + p.address;
    schedule_connect(self, i);
    return;
  }
  auto h = caf::actor_cast<cluster_actor>(std::move(ptr));
  // Say hello: the peer learns our name (and takes us as a peer if it does
  // not list us) and answers with its own.
  self->send(h, atom::join_v, caf::actor_cast<caf::actor>(self),
             self->state.opts.node_name, self->state.opts.address);
  if (auto* other = find_by_node(self->state, h.node());
      other && other != &p) {
    // The peer connected to us first and is up already: merge.
    p.name = other->name;
    p.forwarded_in += other->forwarded_in;
    p.forwarded_out += other->forwarded_out;
    other->handle = cluster_actor{};
    other->address.clear(); // never dialled: it is `p` now
    set_state(*other, "merged");
    other->last_error = "merged into " + p.address;
  }
  p.handle = h;
  p.backoff = std::chrono::milliseconds{0};
  p.last_error.clear();
  ++p.connects;
  set_state(p, "up");
  self->monitor(h);
  log::info("cluster", "peer up", {{"peer", peer_label(p)}});
}

// Asks the middleman for the actor published at the peer's address (the
// middleman connects without blocking us).
void connect(self_ptr self, size_t i) {
  auto& p = self->state.peers[i];
  std::string host, why;
  uint16_t port = 0;
  if (!parse_peer_address(p.address, host, port, why)) {
    p.last_error = why;
    set_state(p, "down");
    return;
  }
  auto gen = ++p.generation;
  auto mm = cluster_dialer(self->home_system(), self->state.opts);
  self->request(mm, self->state.opts.connect_timeout, caf::connect_atom_v,
                host, port)
    .then(
      [self, i, gen](const caf::node_id&, caf::strong_actor_ptr& ptr,
                     const std::set<std::string>&) {
        if (gen == self->state.peers[i].generation)
          on_dialled(self, i, std::move(ptr));
      },
      [self, i, gen](caf::error& err) {
        auto& p = self->state.peers[i];
        if (gen != p.generation)
          return;
        p.last_error = to_string(err);
        schedule_connect(self, i);
      });
}

// Retries with exponential backoff (and jitter, so nodes that restart
// together do not retry in step).
void schedule_connect(self_ptr self, size_t i) {
  auto& st = self->state;
  auto& p = st.peers[i];
  set_state(p, p.connects > 0 ? "down" : "connecting");
  p.backoff = p.backoff.count() == 0
                ? st.opts.retry_min
                : std::min(st.opts.retry_max, p.backoff * 2);
  auto wait = std::chrono::milliseconds{
    static_cast<int64_t>(p.backoff.count() * (0.8 + 0.4 * random_unit()))};
  self->delayed_send(self, wait, caf::connect_atom_v, static_cast<uint64_t>(i),
                     ++p.generation);
}

void write_peer(json::writer& w, const cluster_peer& p) {
  w.start_object();
  w.kv("name", p.name);
  w.kv("address", p.address);
  w.kv("configured", p.configured);
  w.kv("state", p.state);
  w.kv("since_ms", p.since_ms);
  w.kv("connects", p.connects);
  w.kv("losses", p.losses);
  w.kv("forwarded_out", p.forwarded_out);
  w.kv("forwarded_in", p.forwarded_in);
  if (!p.last_error.empty())
    w.kv("last_error", p.last_error);
  w.end_object();
}

// One node's entry in the cluster-wide /stats: its /stats document, or why
// there is none.
std::string node_entry(const std::string& name, const std::string& address,
                       const std::string& state, const std::string* stats,
                       const std::string& error) {
  json::writer w;
  w.start_object();
  w.kv("name", name);
  w.kv("address", address);
  w.kv("state", state);
  if (stats)
    w.kv_raw("stats", *stats);
  else
    w.kv("error", error);
  w.end_object();
  return w.take();
}

void on_peer_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (size_t i = 0; i < st.peers.size(); ++i) {
    auto& p = st.peers[i];
    if (!p.handle || p.handle.address() != msg.source)
      continue;
    p.handle = cluster_actor{};
    ++p.losses;
    p.last_error = to_string(msg.reason);
    log::warn("cluster", "peer down",
              {{"peer", peer_label(p)}, {"reason", p.last_error}});
    set_state(p, "down");
    // Only an address we know can be dialled again; a peer that only
    // dialled us (and does not list us) comes back by itself.
    if (!p.address.empty()) {
      p.backoff = std::chrono::milliseconds{0};
      schedule_connect(self, i);
    }
  }
}

// Published: now peers can dial us back, so dial them.
void on_published(self_ptr self, const std::string& address) {
  auto& st = self->state;
  ++st.counters.handled;
  st.opts.address = address;
  if (st.opts.node_name.empty())
    st.opts.node_name = address;
  log::info("cluster", "accepting peers",
            {{"node", st.opts.node_name}, {"address", address},
             {"peers", std::to_string(st.peers.size())},
             {"transport", st.opts.tls() ? "mutual TLS" : "plain TCP"}});
  if (!st.opts.tls())
    log::warn("cluster", "the cluster port is plain TCP "
                         "(cluster.plaintext=true): no authentication, no "
                         "encryption; any host that reaches it can send "
                         "records into the rooms",
              {{"address", address}});
  for (size_t i = 0; i < st.peers.size(); ++i)
    connect(self, i);
}

void do_forward(self_ptr self, const std::string& epoch, int32_t partition,
                int64_t offset, const std::string& value) {
  auto& st = self->state;
  ++st.counters.handled;
  ++st.forwarded_out;
  for (auto& p : st.peers)
    if (p.handle) { // a peer has a handle exactly while it is up
      self->send(p.handle, atom::forwarded_v, epoch, partition, offset,
                 value);
      ++p.forwarded_out;
    }
}

void on_forwarded(self_ptr self, const std::string& epoch, int32_t partition,
                  int64_t offset, const std::string& value) {
  auto& st = self->state;
  ++st.counters.handled;
  if (auto sender = self->current_sender())
    if (auto* p = find_by_node(st, sender->node()))
      ++p->forwarded_in;
  if (!st.directory) {
    ++st.dropped_in;
    return;
  }
  ++st.forwarded_in;
  self->send(st.directory, atom::forwarded_v, epoch, partition, offset,
             value);
}

// A peer's hello. One we did not dial (yet) is taken as up: the
// configured entry for it, or a new one.
void on_hello(self_ptr self, const cluster_actor& peer,
              const std::string& name, const std::string& address) {
  auto& st = self->state;
  ++st.counters.handled;
  if (!peer || peer.node() == self->node())
    return;
  auto* p = find_by_node(st, peer.node());
  if (!p) {
    for (auto& q : st.peers)
      if (!q.handle && (q.address == address || q.name == name)) {
        p = &q;
        break;
      }
    if (!p) {
      cluster_peer fresh;
      fresh.address = address;
      st.peers.push_back(std::move(fresh));
      p = &st.peers.back();
    }
    p->handle = peer;
    ++p->generation; // a retry timer under way is stale now
    p->backoff = std::chrono::milliseconds{0};
    p->last_error.clear();
    ++p->connects;
    set_state(*p, "up");
    self->monitor(peer);
    log::info("cluster", "peer up", {{"peer", name + " (" + address + ")"},
                                     {"dialled", "by the peer"}});
    // Answer with our hello, so the peer knows our name too (the hello of
    // our own dial, if one is under way, is now stale).
    self->send(peer, atom::join_v, caf::actor_cast<caf::actor>(self),
               st.opts.node_name, st.opts.address);
  }
  p->name = name;
}

constexpr auto stats_timeout = std::chrono::seconds{3};

// A peer asking: just this node's /stats document (or the node's error).
caf::typed_response_promise<std::string> local_stats(self_ptr self) {
  auto promise = self->make_response_promise<std::string>();
  self->request(self->state.node, stats_timeout, atom::status_v)
    .then([promise](const std::string& doc) mutable { promise.deliver(doc); },
          [promise](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

// This node's /stats document first, then every peer's (asked of the peers
// that are up), each with its name, address and state.
caf::typed_response_promise<std::string> cluster_stats(self_ptr self) {
  auto& st = self->state;
  auto promise = self->make_response_promise<std::string>();
  auto head = [name = st.opts.node_name](json::writer& w, uint64_t) {
    w.kv("cluster", name);
  };
  auto g = status_gather::make(promise, "nodes", std::move(head));
  for (auto& p : st.peers) {
    if (!p.handle) {
      g->add(node_entry(p.name, p.address, p.state, nullptr,
                        p.last_error.empty() ? "not connected"
                                             : p.last_error));
      continue;
    }
    auto name = p.name, address = p.address;
    g->ask(
      self, p.handle, stats_timeout,
      [name, address](status_gather& g, std::string& doc) {
        g.add(node_entry(name, address, "up", &doc, ""));
      },
      [name, address](status_gather& g, caf::error& err) {
        g.add(node_entry(name, address, "up", nullptr, to_string(err)));
      },
      atom::get_v, atom::status_v, false);
  }
  auto name = st.opts.node_name, address = st.opts.address;
  g->ask(
    self, st.node, stats_timeout,
    [name, address](status_gather& g, std::string& doc) {
      g.add_first(node_entry(name, address, "self", &doc, ""));
    },
    [name, address](status_gather& g, caf::error& err) {
      g.add_first(node_entry(name, address, "self", nullptr, to_string(err)));
    },
    atom::status_v);
  g->release();
  return promise;
}

} // namespace

bool parse_peer_address(const std::string& text, std::string& host,
                        uint16_t& port, std::string& why) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    why = "'" + text + "' is not host:port";
    return false;
  }
  host = text.substr(0, colon);
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5
      || !std::all_of(digits.begin(), digits.end(),
                      [](char c) { return c >= '0' && c <= '9'; })
      || std::stoul(digits) > 65535) {
    why = "'" + text + "' has no valid port";
    return false;
  }
  port = static_cast<uint16_t>(std::stoul(digits));
  return true;
}

void write_status(json::writer& w, const cluster_state& st) {
  w.kv("address", st.opts.address);
  size_t up = 0;
  for (auto& p : st.peers)
    up += p.state == "up" ? 1 : 0;
  w.kv("peers_up", static_cast<uint64_t>(up));
  w.kv("peers_known", static_cast<uint64_t>(st.peers.size()));
  w.kv("forwarded_out", st.forwarded_out);
  w.kv("forwarded_in", st.forwarded_in);
  w.kv("dropped_in", st.dropped_in);
  w.key("peers");
  w.start_array();
  for (auto& p : st.peers)
    write_peer(w, p);
  w.end_array();
}

cluster_actor::behavior_type cluster(self_ptr self, cluster_options opts,
                                     node_actor node) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.node = std::move(node);
  for (auto& address : st.opts.peers) {
    cluster_peer p;
    p.address = address;
    p.configured = true;
    p.since_ms = now_ms();
    st.peers.push_back(std::move(p));
  }
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_peer_down(self, msg); });
  return {
    [self](atom::publish, const std::string& address) {
      on_published(self, address);
    },
    [self](atom::subscribe, const forwarded_actor& directory) {
      ++self->state.counters.handled;
      self->state.directory = directory;
    },
    [self](atom::forward, const std::string& epoch, int32_t partition,
           int64_t offset, const std::string& value) {
      do_forward(self, epoch, partition, offset, value);
    },
    [self](atom::forwarded, const std::string& epoch, int32_t partition,
           int64_t offset, const std::string& value) {
      on_forwarded(self, epoch, partition, offset, value);
    },
    // Untyped on the wire (docs/architecture.md, "Messages").
    [self](atom::join, const caf::actor& peer, const std::string& name,
           const std::string& address) {
      on_hello(self, caf::actor_cast<cluster_actor>(peer), name, address);
    },
    [self](caf::connect_atom, uint64_t i, uint64_t gen) {
      auto& st = self->state;
      if (i < st.peers.size() && st.peers[i].generation == gen
          && !st.peers[i].handle)
        connect(self, i);
    },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      return status_reply(self, "cluster", self->state.opts.node_name);
    },
    [self](atom::get, atom::status, bool cluster_wide)
      -> caf::typed_response_promise<std::string> {
      ++self->state.counters.handled;
      return cluster_wide ? cluster_stats(self) : local_stats(self);
    },
  };
}

} // namespace flux
