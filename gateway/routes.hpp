#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "gateway/beast.hpp"
#include "gateway/context.hpp"

// The gateway's plain HTTP endpoints: /healthz, /readyz, /stats and the
// dashboard's static files. Answers may come later (from actors), so the
// response is handed to `respond` rather than returned.
namespace flux::gateway {

using response = http::response<http::string_body>;
using responder = std::function<void(response)>;

// `authorization`: the raw Authorization value as http_session keeps it
// (gateway/bearer.hpp), read before route returns.
void route(const std::shared_ptr<context>& ctx,
           const http::request<http::string_body>& req,
           std::string_view authorization, responder respond);

// {"error": "<err as text>"}, escaped (CAF puts quotes and whatever the
// failing actor said into the text): the 503 body of /stats and /metrics.
std::string json_error(const caf::error& err);

// Builds a response with the request's version and keep-alive.
response make_response(const http::request<http::string_body>& req,
                       http::status status, std::string body,
                       const char* content_type);

} // namespace flux::gateway
