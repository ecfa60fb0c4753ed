#pragma once

#include <csignal>
#include <memory>

#include "app/startup.hpp"
#include "core/shutdown_watchdog.hpp"
#include "domains/http_client.hpp"
#include "gateway/server.hpp"

// How a node stops: on SIGINT or SIGTERM, in a fixed order of steps, each
// under the shutdown watchdog.
namespace flux::app {

// Blocks the stop signals in the calling thread. Called before any thread
// starts, so every thread inherits the mask and only wait_for_stop_signal()
// sees them.
sigset_t block_stop_signals();

void wait_for_stop_signal(const sigset_t& stop_signals);

// Stops accepting first, so no client arrives after the node has told the
// others it is going away; then closes every client with 1001, lets the
// closes flush, ends the actors and stops the connectors' I/O threads
// (`http`, if live) before the actor system goes.
void shut_down(const node_context& n, gateway::server& server,
               const std::shared_ptr<httpc::client>& http,
               shutdown_watchdog& watchdog);

} // namespace flux::app
