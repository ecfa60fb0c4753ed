#pragma once

#include <functional>

#include "domains/http_message.hpp"

// One request of the HTTP client (http_client.hpp says what it guarantees),
// start to end: resolve, connect, TLS handshake, send, read, redirects, on
// a strand of the client's io_context.
namespace flux::httpc {

class client;

// Runs `req` on `c`'s I/O threads; `done` is called there, exactly once.
void start_exchange(client& c, request req, std::function<void(response)> done);

} // namespace flux::httpc
