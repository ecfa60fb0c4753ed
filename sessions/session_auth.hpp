#pragma once

#include <string>
#include <string_view>

#include "sessions/session_delivery.hpp"

// A session's identity (docs/auth.md): the token it presented (native
// {"op":"auth"}, /ws?token=, or Socket.IO's CONNECT auth and `auth` event),
// its room permissions, and its expiry. Internal to the session actor.
//
// A refused token is answered with `unauthorized` (or `token_expired`) and
// counts: more than auth.max-failures close the connection (4003). An
// accepted one is answered with `authed`; a later one of the same `sub`
// refreshes the session and ends, with `forbidden`, each subscription its
// rooms no longer cover. auth.refresh-warning-ms before exp the client gets
// `token_expiring`; at exp `token_expired`, then a 4001 close unless a new
// token arrives within auth.expiry-grace-ms. With auth.required a client
// that presents none within auth.timeout-ms is closed (4001).
namespace flux::auth_steps {

using self_ptr = delivery::self_ptr;

// Starts the auth.required deadline; takes the upgrade's ?token= (native).
void start(self_ptr self);

// The auth request (answered with `id`). False when refused.
bool authenticate(self_ptr self, const std::string& token,
                  const std::string& id);

// Socket.IO CONNECT: admits a token (or none), without answering: the
// dialogue answers CONNECT, then the session announce()s the identity.
// False with `why` when refused.
bool admit(self_ptr self, bool has_token, std::string_view token,
           std::string& why);

// The `authed` answer (to request `id`) for the current identity.
void announce(self_ptr self, const std::string& id);

// May the client subscribe (or resume) `room` now?
bool may_subscribe(self_ptr self, std::string_view room);

// The directory's room list (a JSON array of {"name", ...}) without the
// rooms the client may not see: their names are not told either.
std::string visible_rooms(self_ptr self, const std::string& rooms_json);

// With auth.required, only ping and auth before a token was accepted.
bool may_request(self_ptr self);

// The token timer of generation `gen` (older ones are ignored): carries out
// every step due (token_expiring, token_expired, the close after the grace,
// the auth.required deadline) and arms the next.
void on_timer(self_ptr self, uint64_t gen, int32_t stage);

} // namespace flux::auth_steps
