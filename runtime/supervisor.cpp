#include "runtime/supervisor.hpp"

#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"

namespace flux {

namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void start_child(self_ptr self, supervised_child& child) {
  child.handle = child.spec.start(self);
  self->link_to(child.handle);
  self->state.linked.insert(child.handle.address());
  self->monitor(child.handle);
  child.state = "running";
  if (self->state.node)
    self->send(self->state.node, atom::join_v, child.handle, child.spec.kind,
               child.spec.name,
               static_cast<int64_t>(child.policy.total_restarts()));
}

// A child that died abnormally restarts after its backoff, or, past its
// restart intensity, is marked failed and reported to the node.
void on_child_failed(self_ptr self, const std::string& name,
                     supervised_child& child, const caf::error& reason) {
  child.last_error = to_string(reason);
  auto now = now_ms();
  child.policy.on_stable(now);
  std::chrono::milliseconds delay{0};
  if (!child.policy.on_failure(now, delay, random_unit())) {
    child.state = "failed";
    log::error("supervisor", "child exceeded its restart intensity; giving up",
               {{"supervisor", self->state.id}, {"child", name},
                {"reason", child.last_error}});
    if (self->state.node)
      self->send(self->state.node, atom::health_v, name, false,
                 "failed: " + child.last_error, false);
    return;
  }
  child.state = "restarting";
  log::warn("supervisor", "child died; restarting after backoff",
            {{"supervisor", self->state.id}, {"child", name},
             {"reason", child.last_error},
             {"backoff_ms", std::to_string(delay.count())}});
  self->delayed_send(self, delay, atom::restart_v, name);
}

void on_down(self_ptr self, const caf::down_msg& msg) {
  for (auto& [name, child] : self->state.children) {
    if (!child.handle || child.handle.address() != msg.source)
      continue;
    child.handle = status_actor{};
    if (msg.reason == caf::exit_reason::normal
        || msg.reason == caf::exit_reason::user_shutdown)
      child.state = "stopped";
    else
      on_child_failed(self, name, child, msg.reason);
    return;
  }
}

void do_restart(self_ptr self, const std::string& name) {
  ++self->state.counters.handled;
  auto i = self->state.children.find(name);
  if (i == self->state.children.end() || i->second.state != "restarting")
    return;
  start_child(self, i->second);
  log::info("supervisor", "child restarted",
            {{"child", name},
             {"restarts", std::to_string(i->second.policy.total_restarts())}});
}

} // namespace

void write_status(json::writer& w, const supervisor_state& st) {
  w.key("children");
  w.start_array();
  for (auto& [name, child] : st.children) {
    w.start_object();
    w.kv("name", name);
    w.kv("kind", child.spec.kind);
    w.kv("state", child.state);
    w.kv("restarts", static_cast<uint64_t>(child.policy.total_restarts()));
    if (!child.last_error.empty())
      w.kv("last_error", child.last_error);
    w.end_object();
  }
  w.end_array();
}

supervisor_actor::behavior_type
supervisor(self_ptr self, std::string id, std::vector<child_spec> specs,
           restart_limits limits, node_actor node) {
  self->state.id = std::move(id);
  self->state.node = std::move(node);
  for (auto& spec : specs) {
    auto name = spec.name;
    auto [it, _] = self->state.children.emplace(
      name, supervised_child{std::move(spec), status_actor{},
                             restart_policy{limits}, "running", ""});
    start_child(self, it->second);
  }
  // Children are linked so they end with us; their own exits come to us as
  // down messages (below), so they must not end us.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // A child's exit (it may arrive after its down message) is not ours.
    if (self->state.linked.erase(msg.source) > 0)
      return;
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  return {
    [self](atom::restart, const std::string& name) { do_restart(self, name); },
    [self](atom::status) -> std::string {
      ++self->state.counters.handled;
      return status_reply(self, "supervisor", self->state.id);
    },
  };
}

} // namespace flux
