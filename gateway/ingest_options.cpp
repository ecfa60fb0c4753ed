#include "gateway/ingest_options.hpp"

#include <caf/config_option_adder.hpp>

#include "core/check_options.hpp"
#include "gateway/ingest.hpp"

namespace flux::gateway {

void add_options(caf::config_option_set& set, ingest_options& opts) {
  caf::config_option_adder{set, "ingest"}
    .add(opts.token, "token",
         "static bearer token for POST /ingest/{room}, sent as exactly "
         "'Authorization: Bearer <token>'; JWTs with an `ingest` claim are "
         "accepted too when auth.* has a key (neither: ingest disabled)")
    .add(opts.max_body_bytes, "max-body-bytes", "largest ingest request")
    .add(opts.max_events, "max-events", "events per ingest request")
    .add(opts.max_inflight_events, "max-inflight-events",
         "ingested events handed to the bus and not yet routed to their rooms "
         "(beyond: 429 with Retry-After)")
    .add(opts.rooms, "rooms",
         "rooms open to ingest, [\"name:snapshot\", \"name:stream\", …]");
}

void check_options(const ingest_options& opts,
                   std::vector<std::string>& errors) {
  // A token with white space could never be sent exactly (gateway/bearer.hpp).
  bool visible = true;
  for (unsigned char c : opts.token)
    visible = visible && c >= 0x21 && c <= 0x7e;
  need(errors, visible,
       "ingest.token must be visible ASCII, without spaces (it is sent as "
       "'Bearer <token>')");
  need(errors,
       opts.max_body_bytes >= 256 && opts.max_body_bytes <= (64u << 20),
       "ingest.max-body-bytes must be between 256 and 67108864");
  need(errors, opts.max_events >= 1, "ingest.max-events must be at least 1");
  need(errors, opts.max_inflight_events >= opts.max_events,
       "ingest.max-inflight-events must be at least ingest.max-events");
  for (auto& spec : opts.rooms) {
    ingest_room r;
    std::string why;
    need(errors, parse_ingest_room(spec, r, why), "ingest.rooms: " + why);
  }
}

} // namespace flux::gateway
