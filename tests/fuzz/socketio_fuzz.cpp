// wire/socketio.hpp socketio::parse: one Engine.IO / Socket.IO packet
// from a client. Invariants: a failure says why; an event's argument and a
// CONNECT's auth are raw JSON (or empty), so the packets built from them
// (event, ack, connect_error) carry valid JSON after their prefix.
#include <cstdint>

#include "fuzz_check.hpp"
#include "wire/socketio.hpp"
#include "wire/ws_frame.hpp"

namespace sio = flux::socketio;

namespace {

// The JSON after a Socket.IO packet's "4X[/ns,]" prefix.
std::string_view payload_of(std::string_view packet, const std::string& ns) {
  packet.remove_prefix(2);
  if (ns != "/")
    packet.remove_prefix(ns.size() + 1);
  return packet;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  sio::packet p;
  std::string why;
  if (!sio::parse(text, p, why)) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  if (!p.arg.empty())
    FUZZ_CHECK(flux::fuzz::is_json(p.arg));
  if (p.has_token) // read out of JSON that json::parse accepted: UTF-8
    FUZZ_CHECK(flux::valid_utf8(p.token));
  using kind = sio::packet::kind;
  if (p.type == kind::event) {
    auto out = sio::event(p.name, p.arg.empty() ? "null" : p.arg);
    FUZZ_CHECK(flux::fuzz::is_json(std::string_view{out}.substr(2)));
    if (p.ack_id >= 0)
      FUZZ_CHECK(flux::fuzz::is_json(
        sio::ack(p.ack_id, p.arg.empty() ? "null" : p.arg).substr(
          2 + std::to_string(p.ack_id).size())));
  }
  if (p.type == kind::connect) {
    auto refused = sio::connect_error(p.ns, "refused");
    FUZZ_CHECK(flux::valid_utf8(refused));
    FUZZ_CHECK(flux::fuzz::is_json(payload_of(refused, p.ns)));
  }
  return 0;
}
