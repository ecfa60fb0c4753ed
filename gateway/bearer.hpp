#pragma once

#include <string_view>

// `Authorization: Bearer <token>`, exactly, for ingest and the ops
// endpoints. Read from the raw header as it arrived (http_session keeps it
// before Beast trims trailing white space and unfolds obs-fold), so that
// what is compared is what was sent. Exactly means: one Authorization field
// on one line, whose value (after the white space that follows the colon,
// RFC 7230 3.2) is "Bearer", one space, and a token of visible ASCII
// (0x21-0x7E): no other space or tab anywhere, none trailing. Stricter than
// RFC 6750 (case-sensitive scheme, one space), on purpose: a secret with a
// stray space is a client bug that should fail loudly, not half-work.
namespace flux::gateway {

struct bearer {
  enum class state { missing, malformed, ok };
  state result = state::missing;
  std::string_view token; // when ok
  const char* problem = ""; // when not ok: what to tell the client
};

// `raw`: the value as http_session keeps it ("" when there is no field;
// continuation lines keep their CRLF, a second field is joined with "\n").
bearer parse_bearer(std::string_view raw);

} // namespace flux::gateway
