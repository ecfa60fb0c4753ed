#include "runtime/node.hpp"

#include <memory>
#include <vector>

#include "core/logger.hpp"
#include "core/type_ids.hpp"
#include "wire/close_code.hpp"

namespace flux {

namespace {

using self_ptr = caf::stateful_actor<node_state>*;

// Collects status replies until all arrived (or failed), then answers.
struct status_collector {
  caf::response_promise promise;
  std::vector<std::string> replies;
  std::map<std::string, uint64_t> counts;
  size_t pending = 0;
  uint64_t unresponsive = 0;
  std::string state;    // the node's state when asked
  std::string problems; // JSON object: component -> reason

  void done_one() {
    if (--pending > 0)
      return;
    json::writer w;
    w.start_object();
    w.kv("state", state);
    w.kv_raw("problems", problems);
    w.key("counts");
    w.start_object();
    for (auto& [kind, n] : counts)
      w.kv(kind, n);
    w.end_object();
    w.kv("unresponsive", unresponsive);
    w.key("actors");
    w.start_array();
    for (auto& r : replies)
      w.raw(r);
    w.end_array();
    w.end_object();
    promise.deliver(w.take());
  }
};

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

std::string own_status(self_ptr self) {
  json::writer w;
  w.start_object();
  write_common_status(w, self, "node", "node", self->state.counters);
  w.kv("members", static_cast<uint64_t>(self->state.members.size()));
  w.kv("restarts", 0);
  w.kv("state", node_state_name(self->state));
  w.end_object();
  return w.take();
}

// Sessions close their client with 1001 and end; everything else ends.
void end_member(self_ptr self, const caf::actor& member,
                const std::string& kind) {
  if (kind == "session")
    self->send(member, atom::close_v, close_code::going_away,
               std::string{"server shutting down"});
  else
    self->send_exit(member, caf::exit_reason::user_shutdown);
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

caf::behavior node(self_ptr self) {
  self->set_down_handler([self](caf::down_msg& msg) {
    self->state.members.erase(msg.source);
  });
  return {
    [self](atom::join, const caf::actor& member, const std::string& kind,
           const std::string& name, int64_t restarts) {
      ++self->state.counters.handled;
      self->monitor(member);
      self->state.members[member.address()]
        = node_member{member, kind, name, restarts};
      // A member that joins once shutdown began (an upgrade already under
      // way, a room or child restarted just before its parent ended) is
      // told the same as the others: otherwise it would outlive the node
      // and the process would wait for it forever.
      if (self->state.shutting_down)
        end_member(self, member, kind);
      if (restarts > 0) {
        self->state.unhealthy.erase(name);
        self->state.serving.erase(name);
      }
    },
    [self](atom::health, const std::string& component, bool ok,
           const std::string& reason, bool serving) {
      ++self->state.counters.handled;
      set_health(self->state, component, ok, reason, serving);
    },
    [self](atom::ready) {
      auto& st = self->state;
      ++st.counters.handled;
      return caf::make_message(st.unhealthy.empty() && !st.shutting_down,
                               problems_json(st),
                               std::string{node_state_name(st)});
    },
    [self](atom::status) {
      auto& st = self->state;
      ++st.counters.handled;
      auto c = std::make_shared<status_collector>();
      c->promise = self->make_response_promise();
      c->state = node_state_name(st);
      c->problems = problems_json(st);
      c->pending = st.members.size() + 1;
      c->counts["node"] = 1;
      c->replies.push_back(own_status(self));
      for (auto& [addr, m] : st.members) {
        ++c->counts[m.kind];
        auto restarts = m.restarts;
        self->request(m.handle, std::chrono::seconds{2}, atom::status_v)
          .then(
            [c, restarts](std::string& reply) {
              c->replies.push_back(with_restarts(std::move(reply), restarts));
              c->done_one();
            },
            [c](caf::error&) {
              ++c->unresponsive;
              c->done_one();
            });
      }
      c->done_one(); // the node's own reply
    },
    [self](atom::shutdown) {
      auto& st = self->state;
      ++st.counters.handled;
      st.shutting_down = true;
      log::info("node", "shutting down",
                {{"members", std::to_string(st.members.size())}});
      for (auto& [addr, m] : st.members)
        end_member(self, m.handle, m.kind);
      return true;
    },
  };
}

} // namespace flux

