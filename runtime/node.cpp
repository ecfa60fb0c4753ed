#include "runtime/node.hpp"

#include <map>

#include "core/logger.hpp"
#include "core/type_ids.hpp"
#include "runtime/status_gather.hpp"
#include "wire/close_code.hpp"

namespace flux {

namespace {

using self_ptr = node_actor::stateful_pointer<node_state>;

// Adds the node's own view (restarts) to an actor's status object.
std::string with_restarts(std::string reply, int64_t restarts) {
  if (reply.size() < 2 || reply.back() != '}')
    return reply;
  reply.pop_back();
  reply += ",\"restarts\":";
  reply += std::to_string(restarts);
  reply += '}';
  return reply;
}

// The unhealthy components and their reasons, as a JSON object.
std::string problems_json(const node_state& st) {
  json::writer w;
  w.start_object();
  for (auto& [component, reason] : st.unhealthy)
    w.kv(component, reason);
  if (st.shutting_down)
    w.kv("node", "shutting down");
  w.end_object();
  return w.take();
}

void set_health(node_state& st, const std::string& component, bool ok,
                const std::string& reason, bool serving) {
  if (ok) {
    st.unhealthy.erase(component);
    st.serving.erase(component);
    return;
  }
  st.unhealthy[component] = reason;
  if (serving)
    st.serving.insert(component);
  else
    st.serving.erase(component);
}

// Sessions close their client with 1001 and end; everything else ends.
void end_member(self_ptr self, const node_member& m) {
  if (m.session)
    self->send(m.session, atom::close_v, close_code::going_away,
               std::string{"server shutting down"});
  else
    self->send_exit(m.handle, caf::exit_reason::user_shutdown);
}

void on_join(self_ptr self, node_member m) {
  auto& st = self->state;
  ++st.counters.handled;
  self->monitor(m.handle);
  auto& member = st.members[m.handle.address()] = std::move(m);
  // A member that joins once shutdown began (an upgrade already under way,
  // a room or child restarted just before its parent ended) is told the
  // same as the others: otherwise it would outlive the node and the
  // process would wait for it forever.
  if (st.shutting_down)
    end_member(self, member);
  if (member.restarts > 0) {
    st.unhealthy.erase(member.name);
    st.serving.erase(member.name);
  }
}

caf::result<bool, std::string, std::string> do_ready(self_ptr self) {
  auto& st = self->state;
  ++st.counters.handled;
  return {st.unhealthy.empty() && !st.shutting_down, problems_json(st),
          std::string{node_state_name(st)}};
}

// /stats: the node's state, then every member's status reply (with its
// restarts), the node's own first; a member that does not answer in time
// only counts as unresponsive.
caf::result<std::string> do_status(self_ptr self) {
  auto& st = self->state;
  ++st.counters.handled;
  std::map<std::string, uint64_t> counts{{"node", 1}};
  for (auto& [addr, m] : st.members)
    ++counts[m.kind];
  auto head = [state = std::string{node_state_name(st)},
               problems = problems_json(st),
               counts](json::writer& w, uint64_t unresponsive) {
    w.kv("state", state);
    w.kv_raw("problems", problems);
    w.key("counts");
    w.start_object();
    for (auto& [kind, n] : counts)
      w.kv(kind, n);
    w.end_object();
    w.kv("unresponsive", unresponsive);
  };
  auto promise = self->make_response_promise<std::string>();
  auto g = status_gather::make(promise, "actors", std::move(head));
  g->add(status_reply(self, "node", "node"));
  for (auto& [addr, m] : st.members) {
    auto restarts = m.restarts;
    g->ask(
      self, m.handle, std::chrono::seconds{2},
      [restarts](status_gather& g, std::string& reply) {
        g.add(with_restarts(std::move(reply), restarts));
      },
      nullptr, atom::status_v);
  }
  g->release();
  return promise;
}

bool do_shutdown(self_ptr self) {
  auto& st = self->state;
  ++st.counters.handled;
  st.shutting_down = true;
  log::info("node", "shutting down",
            {{"members", std::to_string(st.members.size())}});
  for (auto& [addr, m] : st.members)
    end_member(self, m);
  return true;
}

} // namespace

const char* node_state_name(const node_state& st) {
  if (st.shutting_down)
    return "not_ready";
  for (auto& [component, reason] : st.unhealthy)
    if (st.serving.count(component) == 0)
      return "not_ready";
  return st.unhealthy.empty() ? "ok" : "degraded";
}

void write_status(json::writer& w, const node_state& st) {
  w.kv("members", static_cast<uint64_t>(st.members.size()));
  w.kv("restarts", 0);
  w.kv("state", node_state_name(st));
}

node_actor::behavior_type node(self_ptr self) {
  self->set_down_handler([self](caf::down_msg& msg) {
    self->state.members.erase(msg.source);
  });
  return {
    [self](atom::join, const status_actor& member, const std::string& kind,
           const std::string& name, int64_t restarts) {
      on_join(self, node_member{member, session_actor{}, kind, name, restarts});
    },
    [self](atom::join, const session_actor& session, const std::string& id) {
      on_join(self, node_member{session, session, "session", id, 0});
    },
    [self](atom::health, const std::string& component, bool ok,
           const std::string& reason, bool serving) {
      ++self->state.counters.handled;
      set_health(self->state, component, ok, reason, serving);
    },
    [self](atom::ready) { return do_ready(self); },
    [self](atom::status) { return do_status(self); },
    [self](atom::shutdown) { return do_shutdown(self); },
  };
}

} // namespace flux
