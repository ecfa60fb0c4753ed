#include "gateway/routes.hpp"

#include <cctype>
#include <filesystem>
#include <map>
#include <vector>
#include <fstream>
#include <sstream>

#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/process.hpp"
#include "core/type_ids.hpp"
#include "gateway/ingest.hpp"
#include "gateway/ops_access.hpp"
#include "gateway/prometheus.hpp"

namespace flux::gateway {

namespace {

using request = http::request<http::string_body>;

const char* mime_type(const std::string& path) {
  auto ext = std::filesystem::path{path}.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".map") return "application/json";
  return "application/octet-stream";
}

std::string process_json(const context& ctx) {
  json::writer w;
  w.start_object();
  w.kv("pid", static_cast<int64_t>(::getpid()));
  w.kv("uptime_s", (now_ms() - process_start_ms()) / 1000);
  w.kv("rss_bytes", resident_bytes());
  w.kv("connections", ctx.websockets.load());
  w.kv("accepted", ctx.accepted.load());
  w.kv("upgrades", ctx.upgrades.load());
  w.kv("rejected", ctx.rejected.load());
  w.kv("http_requests", ctx.http_requests.load());
  w.kv("http_connections", ctx.http_connections.load());
  w.kv("inflight_body_bytes", ctx.inflight_body_bytes.load());
  w.kv("ingest_backlog", ctx.backlog->events.load());
  w.kv("ingest_throttled", ctx.backlog->throttled.load());
  w.end_object();
  return w.take();
}

// Asks `whom` from a short-lived actor for a std::string and answers with
// body(reply), or with 503 and error_body(error) when the actor fails or
// takes longer than 5 s.
template <class Handle, class Body, class ErrorBody, class... Ts>
void answer_from(const std::shared_ptr<context>& ctx, response proto,
                 responder respond, Handle whom, Body body,
                 ErrorBody error_body, Ts... msg) {
  ctx->sys.spawn([=](caf::event_based_actor* self) {
    self->request(whom, std::chrono::seconds{5}, msg...)
      .then(
        [proto, respond, body](const std::string& reply) mutable {
          proto.body() = body(reply);
          proto.prepare_payload();
          respond(std::move(proto));
        },
        [proto, respond, error_body](caf::error& err) mutable {
          proto.result(http::status::service_unavailable);
          proto.body() = error_body(err);
          proto.prepare_payload();
          respond(std::move(proto));
        });
  });
}

// /stats?scope=cluster: every node's /stats document, from the cluster
// actor (docs/cluster.md).
void cluster_stats(const std::shared_ptr<context>& ctx, const request& req,
                   responder respond) {
  auto proto = make_response(req, http::status::ok, "", "application/json");
  if (!ctx->cluster) {
    proto.result(http::status::not_found);
    proto.body() = "{\"error\":\"this node is not clustered "
                   "(cluster.listen is empty)\"}";
    proto.prepare_payload();
    respond(std::move(proto));
    return;
  }
  answer_from(
    ctx, std::move(proto), std::move(respond), ctx->cluster,
    [](const std::string& doc) { return doc; }, json_error, atom::get_v,
    atom::status_v, true);
}

void stats(const std::shared_ptr<context>& ctx, const request& req,
           responder respond) {
  if (req.target().find("scope=cluster") != std::string_view::npos) {
    cluster_stats(ctx, req, std::move(respond));
    return;
  }
  answer_from(
    ctx, make_response(req, http::status::ok, "", "application/json"),
    std::move(respond), ctx->node,
    [ctx](const std::string& status) {
      json::writer w;
      w.start_object();
      w.kv_raw("process", process_json(*ctx));
      w.kv_raw("node", status);
      w.end_object();
      return w.take();
    },
    json_error, atom::status_v);
}

void metrics(const std::shared_ptr<context>& ctx, const request& req,
             responder respond) {
  answer_from(
    ctx, make_response(req, http::status::ok, "", "text/plain; version=0.0.4"),
    std::move(respond), ctx->node,
    [ctx](const std::string& status) { return prometheus(status, *ctx); },
    [](const caf::error& err) {
      return "# node did not answer: " + to_string(err) + "\n";
    },
    atom::status_v);
}

void readyz(const std::shared_ptr<context>& ctx, const request& req,
            responder respond) {
  auto proto = make_response(req, http::status::ok, "", "application/json");
  ctx->sys.spawn([ctx, proto, respond](caf::event_based_actor* self) {
    self->request(ctx->node, std::chrono::seconds{2}, atom::ready_v)
      .then(
        [ctx, proto, respond](bool ok, const std::string& problems,
                              std::string state) mutable {
          if (ctx->stopping) {
            ok = false;
            state = "not_ready";
          }
          // Degraded is still 503 (as before the state existed): a load
          // balancer that wants to keep degraded nodes can match "state".
          proto.result(ok ? http::status::ok
                          : http::status::service_unavailable);
          proto.body() = std::string{"{\"ready\":"} + (ok ? "true" : "false")
                         + ",\"state\":\"" + state + "\",\"problems\":"
                         + problems + "}";
          proto.prepare_payload();
          respond(std::move(proto));
        },
        [proto, respond](caf::error& err) mutable {
          proto.result(http::status::service_unavailable);
          proto.body() = "{\"ready\":false,\"state\":\"not_ready\","
                         "\"problems\":{\"node\":\""
                         + to_string(err) + "\"}}";
          proto.prepare_payload();
          respond(std::move(proto));
        });
  });
}

std::string web_root(const context& ctx) {
  if (!ctx.opts.web_root.empty())
    return ctx.opts.web_root;
  return std::string{FLUX_SOURCE_DIR} + "/web/dist";
}

void static_file(const std::shared_ptr<context>& ctx, const request& req,
                 const responder& respond) {
  std::string target{req.target()};
  if (auto q = target.find('?'); q != std::string::npos)
    target.resize(q);
  if (target.empty() || target.back() == '/')
    target += "index.html";
  if (target.find("..") != std::string::npos || target[0] != '/') {
    respond(make_response(req, http::status::bad_request,
                          "{\"error\":\"bad path\"}", "application/json"));
    return;
  }
  auto path = web_root(*ctx) + target;
  std::ifstream in;
  // ifstream opens directories on Linux: serve regular files only. The
  // error_code overload: a name the file system refuses (ENAMETOOLONG,
  // EACCES, ELOOP) is a 404, not an exception out of the I/O thread.
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec))
    in.open(path, std::ios::binary);
  if (!in.is_open()) {
    if (target == "/index.html") {
      respond(make_response(
        req, http::status::ok,
        "<!doctype html><title>Flux</title><h1>Flux</h1><p>The dashboard "
        "is not built (run ./scripts/run). The gateway is up: see "
        "<a href=\"/stats\">/stats</a>; WebSocket clients connect to "
        "<code>/ws</code>.</p>",
        "text/html; charset=utf-8"));
      return;
    }
    respond(make_response(req, http::status::not_found,
                          "{\"error\":\"not found\"}", "application/json"));
    return;
  }
  std::ostringstream body;
  body << in.rdbuf();
  respond(make_response(req, http::status::ok, body.str(), mime_type(path)));
}

} // namespace

std::string json_error(const caf::error& err) {
  json::writer w;
  w.start_object();
  w.kv("error", to_string(err));
  w.end_object();
  return w.take();
}

response make_response(const request& req, http::status status,
                       std::string body, const char* content_type) {
  response res{status, req.version()};
  res.set(http::field::server, "flux");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

namespace {

// /stats and /metrics only for whom ops.* allows (gateway/ops_access.hpp);
// true when refused (and answered).
bool refuse_ops(const std::shared_ptr<context>& ctx, const request& req,
                const std::string& path, std::string_view authorization,
                const responder& respond) {
  auto v = check_ops(ctx->ops, ctx->opts.ops, ctx->opts.bind, authorization);
  if (v.status == http::status::ok)
    return false;
  log::warn("gateway", "ops endpoint refused",
            {{"path", path},
             {"status", std::to_string(static_cast<int>(v.status))}});
  json::writer w;
  w.start_object();
  w.kv("error", v.error);
  w.end_object();
  auto res = make_response(req, v.status, w.take(), "application/json");
  if (v.status == http::status::unauthorized)
    res.set(http::field::www_authenticate, "Bearer realm=\"flux-ops\"");
  respond(std::move(res));
  return true;
}

// Hands `respond` on (moves from it) only where it answers asynchronously.
void dispatch(const std::shared_ptr<context>& ctx, const request& req,
              std::string_view authorization, responder& respond) {
  std::string target{req.target()};
  if (target.rfind("/ingest/", 0) == 0) { // webhook ingest (gateway/ingest.cpp)
    respond(handle_ingest(ctx->opts.ingest, ctx->ingest_pump, *ctx->backlog,
                          req, authorization));
    return;
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    respond(make_response(req, http::status::method_not_allowed,
                          "{\"error\":\"method not allowed\"}",
                          "application/json"));
    return;
  }
  auto path = target.substr(0, target.find('?'));
  if (is_ops_path(path) && refuse_ops(ctx, req, path, authorization, respond))
    return;
  if (path == "/healthz") {
    respond(make_response(req, http::status::ok, "{\"status\":\"ok\"}",
                          "application/json"));
  } else if (path == "/readyz") {
    readyz(ctx, req, std::move(respond));
  } else if (path == "/stats") {
    stats(ctx, req, std::move(respond));
  } else if (path == "/metrics") {
    metrics(ctx, req, std::move(respond));
  } else {
    static_file(ctx, req, respond);
  }
}

} // namespace

void route(const std::shared_ptr<context>& ctx, const request& req,
           std::string_view authorization, responder respond) {
  ++ctx->http_requests;
  try {
    dispatch(ctx, req, authorization, respond);
  } catch (const std::exception& e) {
    // A route that throws fails its one request, never the I/O thread.
    log::error("gateway", "request failed", {{"error", e.what()}});
    if (respond) // not yet handed to an asynchronous answer
      respond(make_response(req, http::status::internal_server_error,
                            "{\"error\":\"internal error\"}",
                            "application/json"));
  }
}

} // namespace flux::gateway
