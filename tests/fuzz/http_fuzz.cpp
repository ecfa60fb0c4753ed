// HTTP request handling: Beast's request parser (with the gateway's body
// limit) fed the bytes, then gateway/routes.hpp route() on every request it
// completes, against a real actor system with a stub node (answers /stats,
// /metrics and /readyz) and a stub bus (takes /ingest events), serving
// static files from a temporary web root. The WebSocket / Socket.IO
// upgrade checks live in http_session (socket-bound) and are not reached.
// Invariants: every request gets exactly one answer within 5 s; an answer
// declared JSON is JSON; each answer serializes.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "core/type_ids.hpp"
#include "fuzz_check.hpp"
#include "gateway/context.hpp"
#include "gateway/routes.hpp"

namespace gw = flux::gateway;
namespace atom = flux::atom;
using request = gw::http::request<gw::http::string_body>;

namespace {

struct fuzz_config : caf::actor_system_config {
  fuzz_config() {
    add_message_types<caf::id_block::flux>();
    set("scheduler.max-threads", 1);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

caf::behavior stub_node(caf::event_based_actor*) {
  return {
    [](atom::status) -> std::string {
      return R"({"state":"ok","actors":[{"kind":"room","name":"r\"1","n":1},)"
             R"({"kind":"session","name":"s","queued":2,"slow":false}]})";
    },
    [](atom::ready) {
      return caf::make_message(true, std::string{"{}"}, std::string{"ok"});
    },
  };
}

caf::behavior stub_bus(caf::event_based_actor*) {
  return {[](atom::publish, const flux::event&) {}};
}

std::shared_ptr<gw::context> make_context() {
  // Never destroyed: libFuzzer ends with exit(), and ~actor_system run from
  // an exit handler while its threads still work crashes in CAF (deref of
  // a destroyed object). The process ends right after anyway.
  static auto& sys = *new caf::actor_system{*new fuzz_config};
  auto root = std::filesystem::temp_directory_path()
              / ("flux-http-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "assets");
  std::ofstream{root / "index.html"} << "<!doctype html><title>t</title>";
  std::ofstream{root / "assets" / "app.js"} << "console.log(1)";
  gw::options o;
  o.web_root = root.string();
  o.ingest.token = "tok";
  o.ingest.max_events = 50;
  std::string why;
  for (const char* spec : {"ops.incidents:snapshot", "ops.metrics:stream"}) {
    gw::ingest_room r;
    gw::parse_ingest_room(spec, r, why);
    o.ingest.parsed_rooms.push_back(r);
  }
  o.ingest.bus = caf::actor_cast<flux::bus_actor>(sys.spawn(stub_bus));
  return std::make_shared<gw::context>(
    sys, std::move(o), caf::actor_cast<flux::node_actor>(sys.spawn(stub_node)),
    flux::room_directory_actor{});
}

void answer(const std::shared_ptr<gw::context>& ctx, const request& req) {
  auto done = std::make_shared<std::promise<gw::response>>();
  auto answers = std::make_shared<std::atomic<int>>(0);
  // The field as Beast parsed it: the raw header is http_session's.
  gw::route(ctx, req, req[gw::http::field::authorization],
            [done, answers](gw::response res) {
              if (answers->fetch_add(1) == 0)
                done->set_value(std::move(res));
            });
  auto f = done->get_future();
  FUZZ_CHECK(f.wait_for(std::chrono::seconds{5}) == std::future_status::ready);
  auto res = f.get();
  FUZZ_CHECK(answers->load() == 1);
  auto code = res.result_int();
  FUZZ_CHECK(code >= 100 && code <= 599);
  if (res[gw::http::field::content_type] == "application/json")
    FUZZ_CHECK(flux::fuzz::is_json(res.body()));
  std::ostringstream wire;
  wire << res;
  FUZZ_CHECK(!wire.str().empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto ctx = make_context();
  // Requests back to back on one connection, as keep-alive sends them.
  size_t off = 0;
  for (int requests = 0; requests < 4 && off < size; ++requests) {
    gw::http::request_parser<gw::http::string_body> p;
    p.body_limit(std::max<std::uint64_t>(64 * 1024,
                                         ctx->opts.ingest.max_body_bytes));
    p.eager(true);
    gw::beast::error_code ec;
    while (!p.is_done() && off < size) {
      auto n = p.put(gw::asio::buffer(data + off, size - off), ec);
      off += n;
      // need_more: the rest of the input is not enough. Beast's read op
      // then reads more before it calls put again (calling it again on the
      // same bytes trips an assertion in its chunk parser), so stop here.
      if (ec == gw::http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || n == 0)
        break;
    }
    if (!p.is_done() && !ec && p.is_header_done())
      p.put_eof(ec);
    if (ec || !p.is_done())
      return 0;
    answer(ctx, p.release());
  }
  return 0;
}
