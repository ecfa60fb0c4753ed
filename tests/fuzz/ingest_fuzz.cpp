// gateway/ingest.hpp check_ingest: a webhook body (and, from the input's
// end, which room, token and content type it comes with). Invariants: 202
// exactly when there are events, each within the limits, for the path's
// room, valid, and surviving the bus encoding; every answer is JSON.
#include <cstdint>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/event.hpp"
#include "fuzz_check.hpp"
#include "gateway/ingest.hpp"

namespace gw = flux::gateway;

namespace {

const gw::ingest_options& options() {
  static const gw::ingest_options opts = [] {
    gw::ingest_options o;
    o.token = "tok";
    o.max_body_bytes = 1 << 20; // the default
    o.max_events = 50;
    std::string why;
    for (const char* spec : {"ops.incidents:snapshot", "ops.metrics:stream"}) {
      gw::ingest_room r;
      gw::parse_ingest_room(spec, r, why);
      o.parsed_rooms.push_back(r);
    }
    return o;
  }();
  return opts;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp{data, size};
  static const char* rooms[] = {"ops.incidents", "ops.metrics", "nope", ""};
  static const char* auths[] = {"Bearer tok", "Bearer tok ", "Bearer x", "",
                                "bearer tok", "Bearer  tok"};
  static const char* types[] = {"application/json", "", "text/plain",
                                "application/json; charset=utf-8"};
  std::string room = rooms[fdp.ConsumeIntegralInRange<size_t>(0, 3)];
  std::string auth = auths[fdp.ConsumeIntegralInRange<size_t>(0, 5)];
  std::string type = types[fdp.ConsumeIntegralInRange<size_t>(0, 3)];
  int64_t now = fdp.ConsumeIntegralInRange<int64_t>(0, int64_t{1} << 45);
  std::string body = fdp.ConsumeRemainingBytesAsString();

  auto& o = options();
  auto out = gw::check_ingest(o, room, auth, type, body, now);
  FUZZ_CHECK(flux::fuzz::is_json(out.body));
  bool accepted = out.status == gw::http::status::accepted;
  FUZZ_CHECK(accepted == !out.events.empty());
  if (!accepted)
    return 0;
  FUZZ_CHECK(auth == "Bearer tok");
  FUZZ_CHECK(out.events.size() <= o.max_events);
  for (auto& e : out.events) {
    FUZZ_CHECK(e.room == room);
    FUZZ_CHECK(flux::valid_room_name(e.room));
    FUZZ_CHECK(!e.id.empty());
    FUZZ_CHECK(flux::fuzz::is_frame_json(e.data));
    FUZZ_CHECK(e.kind != flux::event_kind::update || !e.key.empty());
    auto text = flux::encode_event(e);
    flux::event back;
    std::string why;
    FUZZ_CHECK(flux::decode_event(text.data(), text.size(), back, why));
    FUZZ_CHECK(back.id == e.id && back.data == e.data && back.key == e.key);
  }
  return 0;
}
