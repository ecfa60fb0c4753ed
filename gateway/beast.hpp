#pragma once

// The Boost.Beast and Asio parts the gateway uses, with short aliases.
// (Asio is `asio`, not `net`: `caf::net` exists and would be ambiguous.)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <string>

namespace flux::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Logs a failed asynchronous operation unless it is an ordinary end of a
// connection (closed by the peer, cancelled at shutdown, timed out).
void fail(beast::error_code ec, const char* what);

} // namespace flux::gateway
