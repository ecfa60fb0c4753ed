#pragma once

#include "core/event.hpp"
#include "domains/source.hpp"
#include "fuzz_check.hpp"

namespace flux::fuzz {

// What a connector hands the poller: a failure says why; every event of a
// success is a valid record whose data is JSON and UTF-8, for the bus to
// carry as it is into every subscriber's text frames.
inline void check_fetch(const fetch_result& r) {
  if (!r.ok) {
    FUZZ_CHECK(!r.error.empty());
    return;
  }
  for (auto& e : r.events) {
    FUZZ_CHECK(valid_room_name(e.room));
    FUZZ_CHECK(is_frame_json(e.data));
    auto text = encode_event(e);
    event back;
    std::string why;
    FUZZ_CHECK(decode_event(text.data(), text.size(), back, why));
  }
}

} // namespace flux::fuzz
