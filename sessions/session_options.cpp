#include "sessions/session_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"

namespace flux {

void add_options(caf::config_option_set& set, session_options& opts) {
  caf::config_option_adder{set, "session"}
    .add(opts.queue_budget_bytes, "queue-budget-bytes",
         "bytes queued per client before it is cut off as too slow")
    .add(opts.max_batch_bytes, "max-batch-bytes", "bytes merged into one write")
    .add(opts.max_subscriptions, "max-subscriptions", "rooms per connection")
    .add(opts.requests_per_second, "requests-per-second",
         "client request rate")
    .add(opts.request_burst, "request-burst", "client request burst")
    .add(opts.max_errors, "max-errors", "invalid requests before closing")
    .add(opts.ping_interval_ms, "ping-interval-ms", "Socket.IO ping interval")
    .add(opts.ping_timeout_ms, "ping-timeout-ms",
         "Socket.IO: time for a pong before the client is dropped");
}

void check_options(const session_options& opts,
                   std::vector<std::string>& errors) {
  need(errors, opts.queue_budget_bytes >= 4096,
       "session.queue-budget-bytes must be at least 4096");
  need(errors, opts.max_batch_bytes >= 1024,
       "session.max-batch-bytes must be at least 1024");
  need(errors, opts.max_subscriptions >= 1,
       "session.max-subscriptions must be at least 1");
  need(errors, opts.requests_per_second > 0 && opts.request_burst >= 1,
       "session.requests-per-second must be > 0 and request-burst >= 1");
  need(errors, opts.max_errors >= 1, "session.max-errors must be at least 1");
  need(errors, opts.ping_interval_ms >= 50 && opts.ping_timeout_ms >= 50,
       "session.ping-interval-ms and session.ping-timeout-ms must be >= 50");
}

} // namespace flux
