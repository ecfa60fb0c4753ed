#include "gateway/ingest_auth.hpp"

#include <cctype>

#include "core/event.hpp"
#include "core/secret.hpp"
#include "gateway/bearer.hpp"

namespace flux::gateway {

namespace {

bool jwt_shaped(std::string_view token) {
  int dots = 0;
  for (char c : token) {
    if (c == '.')
      ++dots;
    else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-'
             && c != '_')
      return false;
  }
  return dots == 2;
}

ingest_caller refused(http::status status, std::string error,
                      std::string reason = {}, std::string sub = {}) {
  ingest_caller c;
  c.status = status;
  c.reason = reason.empty() ? error : std::move(reason);
  c.error = std::move(error);
  c.sub = std::move(sub);
  return c;
}

// A verified token may post only where its `ingest` claim says.
ingest_caller scoped(const auth::identity& who, std::string_view room) {
  if (who.ingest.covers(room)) {
    ingest_caller c;
    c.sub = who.sub;
    return c;
  }
  // The room is named only when it is a room name (it may not be UTF-8).
  std::string where = valid_room_name(std::string{room})
                        ? "room '" + std::string{room} + "'"
                        : "this room";
  auto why = who.ingest.empty()
               ? "the token has no ingest claim: it may not post to " + where
               : "the token's ingest claim does not cover " + where;
  return refused(http::status::forbidden, why, why, who.sub);
}

} // namespace

bool ingest_enabled(const ingest_options& opts) {
  return !opts.token.empty() || (opts.access && opts.access->accepts_tokens());
}

ingest_caller authorize_ingest(const ingest_options& opts,
                               std::string_view room,
                               std::string_view authorization,
                               int64_t now_ms) {
  auto b = parse_bearer(authorization);
  if (b.result == bearer::state::missing)
    return refused(http::status::unauthorized, b.problem);
  if (b.result == bearer::state::malformed)
    return refused(http::status::forbidden, b.problem);
  if (!opts.token.empty() && same_secret(b.token, opts.token))
    return {};
  if (opts.access && opts.access->accepts_tokens() && jwt_shaped(b.token)) {
    auto v = opts.access->verify(b.token, now_ms);
    if (!v.ok)
      return refused(http::status::unauthorized, "token refused: " + v.reason,
                     v.reason, v.who.sub);
    return scoped(v.who, room);
  }
  return refused(http::status::forbidden, "wrong ingest token");
}

} // namespace flux::gateway
