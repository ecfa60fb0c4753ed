#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "auth/auth_options.hpp"
#include "auth/token_verifier.hpp"

// What a connection may do, with a verified identity or without one: the
// verifier, auth.required, and the rooms open without a token. One per
// process, immutable, shared by the gateway and every session.
namespace flux::auth {

class access_policy {
public:
  access_policy(); // no keys, nothing required, every room open
  access_policy(auth_options opts,
                std::shared_ptr<const token_verifier> verifier);

  // Reads the keys; one message per problem in `errors`.
  static std::shared_ptr<const access_policy>
  load(const auth_options& opts, std::vector<std::string>& errors);

  const auth_options& options() const { return opts_; }
  bool accepts_tokens() const { return verifier_ && verifier_->has_keys(); }
  bool required() const { return opts_.required; }

  verdict verify(std::string_view token, int64_t now_ms) const;

  // Subscribe (and resume) to `room`, as `who` (nullptr: anonymous).
  bool may_subscribe(const identity* who, std::string_view room) const;
  const room_patterns& anonymous_rooms() const { return anonymous_; }

private:
  auth_options opts_;
  std::shared_ptr<const token_verifier> verifier_;
  room_patterns anonymous_;
};

} // namespace flux::auth
