#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/beast.hpp"
#include "gateway/ingest_options.hpp"

// Who may POST /ingest/{room}: the holder of the static ingest.token, or of
// a JWT (auth.*, verified by the access policy) whose `ingest` claim covers
// the room. Decided on the Authorization header alone (gateway/bearer.hpp:
// exactly "Bearer <token>"), before the body is read.
//
// The answers follow RFC 6750: no credentials or a token the verifier
// refuses (bad signature, expired, …) is 401 with the verifier's reason; a
// valid token whose `ingest` does not cover the room is 403, as is a
// header that is not exactly "Bearer <token>" or a wrong static token
// (403, as before JWTs). A credential shaped like a JWT (three base64url
// parts) that is not the static token goes to the verifier; anything else
// is a static token.
namespace flux::gateway {

// Ingest is on when there is a static token or a verifier with keys.
bool ingest_enabled(const ingest_options& opts);

struct ingest_caller {
  http::status status = http::status::ok; // ok: may post to the room
  std::string error;  // for the client (never the token)
  std::string reason; // for the log: why it was refused
  std::string sub;    // the token's subject, when known
};

ingest_caller authorize_ingest(const ingest_options& opts,
                               std::string_view room,
                               std::string_view authorization,
                               int64_t now_ms);

} // namespace flux::gateway
