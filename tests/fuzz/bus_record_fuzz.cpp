// core/event.hpp decode_event: a record as it arrives from Kafka (or the
// embedded log). Invariants: an accepted record has a valid room, an id,
// a key when it is an update, a non-negative ts and data that is JSON and
// UTF-8 (it goes into clients' text frames as it is); encoding it
// and decoding that again gives the same event.
#include <cstdint>

#include "core/event.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flux::event e;
  std::string why;
  if (!flux::decode_event(reinterpret_cast<const char*>(data), size, e, why)) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  FUZZ_CHECK(flux::valid_room_name(e.room));
  FUZZ_CHECK(!e.id.empty());
  FUZZ_CHECK(e.kind != flux::event_kind::update || !e.key.empty());
  FUZZ_CHECK(e.ts >= 0);
  FUZZ_CHECK(flux::fuzz::is_frame_json(e.data));
  auto text = flux::encode_event(e);
  flux::event back;
  FUZZ_CHECK(flux::decode_event(text.data(), text.size(), back, why));
  FUZZ_CHECK(back.id == e.id && back.room == e.room && back.kind == e.kind
             && back.key == e.key && back.source == e.source
             && back.ts == e.ts && back.data == e.data);
  return 0;
}
