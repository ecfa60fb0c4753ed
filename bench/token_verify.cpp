// token-verify: CPU time per flux::auth::token_verifier::verify (the whole
// check a session runs on {"op":"auth"}: the token's own parse, the key
// choice, libjwt's signature check, the claims) over tokens signed
// elsewhere (scripts/bench's bench/reference/make-tokens.mjs, jose), each
// token once per round, best of --rounds. CPU time, not wall time: the
// figure holds on a shared machine.
//
//   token-verify --tokens=FILE --secret-file=F            (HS*)
//   token-verify --tokens=FILE --public-key=KID=PEM       (RS*, ES*)
//
// With a public key it also times what libjwt 1.10 does on every verify
// before the signature check: PEM_read_bio_PUBKEY of the key's PEM text
// (libjwt takes the key as PEM bytes, never as a parsed key).
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/auth_options.hpp"
#include "auth/token_verifier.hpp"

namespace {

double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line))
    if (!line.empty())
      out.push_back(line);
  return out;
}

// Best CPU ns per PEM_read_bio_PUBKEY of the PEM in path (-1: unreadable).
double pem_parse_ns(const std::string& path, int rounds) {
  std::ifstream in{path};
  std::string pem{std::istreambuf_iterator<char>(in), {}};
  constexpr int n = 2000;
  double best = 1e18;
  for (int round = 0; round < rounds; ++round) {
    double t0 = cpu_ns();
    for (int i = 0; i < n; ++i) {
      auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
      auto* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      if (!key)
        return -1;
      EVP_PKEY_free(key);
    }
    double ns = (cpu_ns() - t0) / n;
    best = ns < best ? ns : best;
  }
  return best;
}

} // namespace

int main(int argc, char** argv) {
  flux::auth::auth_options opts;
  std::string tokens_file;
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = a.substr(a.find('=') + 1);
    if (a.rfind("--tokens=", 0) == 0) tokens_file = val;
    else if (a.rfind("--secret-file=", 0) == 0) opts.jwt_secret_file = val;
    else if (a.rfind("--public-key=", 0) == 0) opts.jwt_public_keys.push_back(val);
    else if (a.rfind("--rounds=", 0) == 0) rounds = std::stoi(val);
    else {
      std::fprintf(stderr, "token-verify: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  auto tokens = read_lines(tokens_file);
  std::vector<std::string> errors;
  auto verifier = flux::auth::token_verifier::load(opts, errors);
  if (tokens.empty() || !errors.empty() || !verifier->has_keys()) {
    std::fprintf(stderr, "token-verify: no tokens or no key (%s)\n",
                 errors.empty() ? "" : errors.front().c_str());
    return 2;
  }
  double best = 1e18;
  size_t ok = 0;
  std::string reason;
  for (int round = 0; round < rounds; ++round) {
    ok = 0;
    auto now = now_ms();
    double t0 = cpu_ns();
    for (auto& t : tokens) {
      auto v = verifier->verify(t, now);
      ok += v.ok;
      if (!v.ok && reason.empty())
        reason = v.reason;
    }
    double ns = (cpu_ns() - t0) / static_cast<double>(tokens.size());
    best = ns < best ? ns : best;
  }
  std::string pem;
  if (!opts.jwt_public_keys.empty()) {
    auto& spec = opts.jwt_public_keys.front();
    pem = ",\"pem_parse_ns\":" + std::to_string(static_cast<int64_t>(
      pem_parse_ns(spec.substr(spec.find('=') + 1), rounds)));
  }
  std::printf("{\"bench\":\"token-verify\",\"tokens\":%zu,\"ok\":%zu,"
              "\"best_ns_per_verify\":%.0f%s%s%s%s}\n",
              tokens.size(), ok, best, pem.c_str(),
              reason.empty() ? "" : ",\"refused\":\"", reason.c_str(),
              reason.empty() ? "" : "\"");
  return ok == tokens.size() ? 0 : 1;
}
