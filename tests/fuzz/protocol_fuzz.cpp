// wire/protocol.hpp protocol::parse: one client text message of the
// native protocol. Invariants: a failure names an error code; the request
// id is raw JSON; the frames built from what was read (the error frame, the
// subscribed / pong frames) are valid JSON, so the server never sends a
// client invalid JSON or invalid UTF-8 (an echoed id or room included).
#include <cstdint>

#include "fuzz_check.hpp"
#include "wire/protocol.hpp"
#include "wire/ws_frame.hpp"

namespace protocol = flux::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  protocol::request req;
  const char* code = nullptr;
  std::string message;
  bool ok = protocol::parse(text, req, code, message);
  FUZZ_CHECK(flux::fuzz::is_frame_json(req.id));
  if (!ok) {
    FUZZ_CHECK(code != nullptr);
    auto frame = protocol::error_frame(req.id, code, message, req.room);
    FUZZ_CHECK(flux::fuzz::is_frame_json(frame));
    return 0;
  }
  switch (req.kind) {
  case protocol::op::subscribe:
    FUZZ_CHECK(flux::valid_room_name(req.room));
    FUZZ_CHECK(flux::fuzz::is_frame_json(protocol::subscribed_frame(
      req.id, req.room, req.epoch, req.pos, req.resume, "", 0)));
    break;
  case protocol::op::unsubscribe:
    FUZZ_CHECK(flux::fuzz::is_frame_json(protocol::unsubscribed_frame(req.id, req.room)));
    break;
  case protocol::op::ping:
    FUZZ_CHECK(flux::fuzz::is_frame_json(protocol::pong_frame(req.id, 1)));
    break;
  case protocol::op::rooms:
    FUZZ_CHECK(flux::fuzz::is_frame_json(protocol::rooms_frame(req.id, "[]")));
    break;
  case protocol::op::auth:
    FUZZ_CHECK(flux::fuzz::is_frame_json(
      protocol::authed_frame(req.id, "sub", 1, {"*"}, {})));
    break;
  }
  return 0;
}
