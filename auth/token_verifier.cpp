#include "auth/token_verifier.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/jwt_token.hpp"

namespace flux::auth {

namespace {

bool read_file(const std::string& path, size_t max_bytes, std::string& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return out.size() <= max_bytes;
}

// The digest size an algorithm name asks for: 256, 384, 512; 0 if unknown.
int digest_bits(std::string_view alg) {
  if (alg.size() != 5)
    return 0;
  auto bits = alg.substr(2);
  return bits == "256" ? 256 : bits == "384" ? 384 : bits == "512" ? 512 : 0;
}

std::string when(int64_t seconds) {
  return std::to_string(seconds) + " (Unix seconds)";
}

} // namespace

std::shared_ptr<const token_verifier>
token_verifier::load(const auth_options& opts,
                     std::vector<std::string>& errors) {
  auto v = std::make_shared<token_verifier>();
  auto before = errors.size();
  v->audience_ = opts.jwt_audience;
  v->issuer_ = opts.jwt_issuer;
  v->skew_ms_ = opts.clock_skew_ms;
  v->max_token_bytes_ = opts.max_token_bytes;
  std::string secret = opts.jwt_secret;
  if (!opts.jwt_secret_file.empty()) {
    if (!read_file(opts.jwt_secret_file, 4096, secret)) {
      errors.push_back("auth.jwt-secret-file: cannot read '"
                       + opts.jwt_secret_file + "' (or over 4096 bytes)");
    } else {
      if (!secret.empty() && secret.back() == '\n')
        secret.pop_back();
      if (!secret.empty() && secret.back() == '\r')
        secret.pop_back();
      if (secret.size() < 32)
        errors.push_back("auth.jwt-secret-file: the secret must be at least "
                         "32 bytes (RFC 7518, 3.2)");
    }
  }
  if (!secret.empty())
    v->keys_.push_back(key{"", family::hmac, 0, secret});
  for (auto& spec : opts.jwt_public_keys)
    v->add_pem(spec, errors);
  if (errors.size() != before)
    v->keys_.clear();
  return v;
}

bool token_verifier::add_pem(const std::string& spec,
                             std::vector<std::string>& errors) {
  auto eq = spec.find('=');
  std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
  std::string kid = eq == std::string::npos
                      ? std::filesystem::path{path}.stem().string()
                      : spec.substr(0, eq);
  auto fail = [&](const std::string& why) {
    errors.push_back("auth.jwt-public-keys: '" + path + "': " + why);
    return false;
  };
  std::string pem;
  if (!read_file(path, 64 * 1024, pem))
    return fail("cannot read it (or over 65536 bytes)");
  if (kid.empty() || kid.size() > 128)
    return fail("its kid must be 1 to 128 bytes");
  for (auto& k : keys_)
    if (k.kind != family::hmac && k.kid == kid)
      return fail("kid '" + kid + "' is used twice");
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr)
                       : nullptr;
  BIO_free(bio);
  if (!pkey)
    return fail("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  auto type = EVP_PKEY_base_id(pkey);
  auto bits = EVP_PKEY_bits(pkey);
  EVP_PKEY_free(pkey);
  if (type == EVP_PKEY_RSA) {
    if (bits < 2048)
      return fail("an RSA key needs at least 2048 bits");
    keys_.push_back(key{kid, family::rsa, bits, pem});
  } else if (type == EVP_PKEY_EC && (bits == 256 || bits == 384
                                     || bits == 521)) {
    keys_.push_back(key{kid, family::ec, bits, pem});
  } else {
    return fail("only RSA and EC (P-256, P-384, P-521) keys are supported");
  }
  return true;
}

verdict token_verifier::verify(std::string_view token, int64_t now_ms) const {
  verdict v;
  if (keys_.empty()) {
    v.reason = "this node accepts no tokens (no auth key is configured)";
    return v;
  }
  jwt_parts parts;
  if (!parse_token(token, max_token_bytes_, parts, v.reason))
    return v;
  auto& alg = parts.header.alg;
  if (alg == "none" || alg == "None" || alg == "NONE") {
    v.reason = "unsigned token (alg none) refused";
    return v;
  }
  auto bits = digest_bits(alg);
  auto prefix = alg.substr(0, 2);
  family kind;
  if (bits && prefix == "HS") kind = family::hmac;
  else if (bits && prefix == "RS") kind = family::rsa;
  else if (bits && prefix == "ES") kind = family::ec;
  else {
    v.reason = "algorithm '" + alg + "' is not supported";
    return v;
  }
  // ES256 is P-256, ES384 P-384, ES512 P-521.
  auto fits = [&](const key& k) {
    return k.kind == kind
           && (kind != family::ec || k.bits == (bits == 512 ? 521 : bits));
  };
  std::vector<const key*> candidates;
  if (!parts.header.kid.empty() && kind != family::hmac) {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const key& k) {
      return k.kind != family::hmac && k.kid == parts.header.kid;
    });
    if (it == keys_.end()) {
      v.reason = "unknown key id (kid)";
      return v;
    }
    if (!fits(*it)) {
      v.reason = "algorithm '" + alg + "' is not allowed for key '"
                 + it->kid + "'";
      return v;
    }
    candidates.push_back(&*it);
  } else {
    for (auto& k : keys_)
      if (fits(k))
        candidates.push_back(&k);
  }
  if (candidates.empty()) {
    v.reason = "algorithm '" + alg + "' is not allowed: no key of that kind "
               "is configured";
    return v;
  }
  std::string text{token}; // libjwt wants a NUL-terminated string
  bool signed_ok = false;
  for (auto* k : candidates) {
    jwt_t* jwt = nullptr;
    auto rc = jwt_decode(&jwt,  text.c_str(),
                         reinterpret_cast<const unsigned char*>(
                           k->material.data()),
                         static_cast<int>(k->material.size()));
    signed_ok = rc == 0 && jwt
                && jwt_get_alg(jwt) == jwt_str_alg(alg.c_str());
    jwt_free(jwt);
    if (signed_ok)
      break;
  }
  if (!signed_ok) {
    v.reason = "bad signature";
    return v;
  }
  v.who.sub = std::move(parts.claims.sub);
  v.who.exp_ms = parts.claims.exp >= 0 ? parts.claims.exp * 1000 : -1;
  v.who.rooms = room_patterns{std::move(parts.claims.rooms)};
  v.who.ingest = room_patterns{std::move(parts.claims.ingest)};
  auto& c = parts.claims;
  if (!audience_.empty()
      && std::find(c.aud.begin(), c.aud.end(), audience_) == c.aud.end()) {
    v.reason = "wrong audience (aud)";
    return v;
  }
  if (!issuer_.empty() && c.iss != issuer_) {
    v.reason = "wrong issuer (iss)";
    return v;
  }
  if (v.who.sub.empty()) {
    v.reason = "token has no subject (sub)";
    return v;
  }
  if (c.exp < 0) {
    v.reason = "token has no expiry (exp)";
    return v;
  }
  if (c.exp * 1000 + skew_ms_ <= now_ms) {
    v.expired = true;
    v.reason = "token expired at " + when(c.exp);
    return v;
  }
  if (c.nbf >= 0 && c.nbf * 1000 - skew_ms_ > now_ms) {
    v.reason = "token not valid before " + when(c.nbf) + " (nbf)";
    return v;
  }
  if (c.iat >= 0 && c.iat * 1000 - skew_ms_ > now_ms) {
    v.reason = "token issued in the future (iat)";
    return v;
  }
  v.ok = true;
  return v;
}

} // namespace flux::auth
