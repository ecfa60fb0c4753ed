#pragma once

#include <cstdint>
#include <string>

#include <openssl/evp.h>
#include <openssl/hmac.h>

// HS256 tokens for C++ tests, signed with OpenSSL's HMAC() directly, not by
// libjwt (which the verifier under test uses).
namespace flux::tests {

inline std::string b64url(const std::string& in) {
  static const char* abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(abc[(acc >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(abc[(acc << (6 - bits)) & 63]);
  return out;
}

inline std::string hs256_token(const std::string& header,
                               const std::string& payload,
                               const std::string& key) {
  auto input = b64url(header) + "." + b64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &len);
  return input + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}

} // namespace flux::tests
