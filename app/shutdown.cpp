#include "app/shutdown.hpp"

#include <chrono>
#include <cstring>

#include <caf/all.hpp>

#include "core/logger.hpp"
#include "core/type_ids.hpp"

namespace flux::app {

sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

void wait_for_stop_signal(const sigset_t& stop_signals) {
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("node", "stop signal received", {{"signal", strsignal(sig)}});
}

void shut_down(const node_context& n, gateway::server& server,
               const std::shared_ptr<httpc::client>& http,
               shutdown_watchdog& watchdog) {
  watchdog.step("stop accepting", &n.sys);
  server.stop_accepting();
  watchdog.step("tell members", &n.sys);
  {
    caf::scoped_actor self{n.sys};
    self->request(n.node, std::chrono::seconds{2}, atom::shutdown_v)
      .receive([](bool) {},
               [](caf::error& err) {
                 log::warn("node", "the node did not confirm the shutdown",
                           {{"error", to_string(err)}});
               });
  }
  watchdog.step("flush client closes", &n.sys);
  server.stop(std::chrono::milliseconds{2000});
  watchdog.step("end actors", &n.sys);
  caf::anon_send_exit(n.node, caf::exit_reason::user_shutdown);
  n.sys.await_all_actors_done();
  watchdog.step("stop connectors", &n.sys);
  if (http)
    http->stop();
  log::info("node", "stopped");
  watchdog.step("actor system teardown", nullptr);
}

} // namespace flux::app
