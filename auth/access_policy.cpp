#include "auth/access_policy.hpp"

namespace flux::auth {

access_policy::access_policy()
  : anonymous_(std::vector<std::string>{"*"}) {
}

access_policy::access_policy(auth_options opts,
                             std::shared_ptr<const token_verifier> verifier)
  : opts_(std::move(opts)), verifier_(std::move(verifier)) {
  if (opts_.required)
    return; // nothing is open without a token
  if (opts_.anonymous_rooms_set)
    anonymous_ = room_patterns{opts_.anonymous_rooms};
  else if (!opts_.has_keys())
    anonymous_ = room_patterns{std::vector<std::string>{"*"}};
}

std::shared_ptr<const access_policy>
access_policy::load(const auth_options& opts,
                    std::vector<std::string>& errors) {
  return std::make_shared<access_policy>(opts,
                                         token_verifier::load(opts, errors));
}

verdict access_policy::verify(std::string_view token, int64_t now_ms) const {
  if (!verifier_) {
    verdict v;
    v.reason = "this node accepts no tokens (no auth key is configured)";
    return v;
  }
  return verifier_->verify(token, now_ms);
}

bool access_policy::may_subscribe(const identity* who,
                                  std::string_view room) const {
  return (who && who->rooms.covers(room)) || anonymous_.covers(room);
}

} // namespace flux::auth
