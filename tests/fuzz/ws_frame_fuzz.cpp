// wire/ws_frame.hpp ws::reader::feed: the client's bytes, once whole and
// once split at fuzzer-chosen points into several feeds. Invariants: both
// give the same inputs (however the reads split the bytes); nothing follows
// a close or an error, and done() says whether one came; a message never
// exceeds the limit, a text message is UTF-8, a control payload fits 125
// bytes; a reader that is done takes no more input.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "wire/ws_frame.hpp"

namespace ws = flux::ws;

namespace {

void check(const std::vector<ws::input>& in, const ws::reader& r, size_t max) {
  for (size_t i = 0; i < in.size(); ++i) {
    auto& x = in[i];
    bool last = i + 1 == in.size();
    if (x.kind == ws::input::close || x.kind == ws::input::error)
      FUZZ_CHECK(last);
    if (x.kind == ws::input::message) {
      FUZZ_CHECK(x.payload.size() <= max);
      if (!x.binary)
        FUZZ_CHECK(flux::valid_utf8(x.payload));
    }
    if (x.kind == ws::input::ping || x.kind == ws::input::pong
        || x.kind == ws::input::close)
      FUZZ_CHECK(x.payload.size() <= 125);
    if (x.kind == ws::input::close)
      FUZZ_CHECK(flux::valid_utf8(x.payload));
  }
  bool ended = !in.empty() && (in.back().kind == ws::input::close
                               || in.back().kind == ws::input::error);
  FUZZ_CHECK(r.done() == ended);
}

bool same(const ws::input& a, const ws::input& b) {
  return a.kind == b.kind && a.payload == b.payload && a.binary == b.binary
         && a.code == b.code;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp{data, size};
  // The parameters come from the input's end, the stream from its start.
  size_t max = fdp.ConsumeIntegralInRange<size_t>(0, 4096);
  size_t cuts = fdp.ConsumeIntegralInRange<size_t>(0, 16);
  std::vector<size_t> at;
  for (size_t i = 0; i < cuts; ++i)
    at.push_back(fdp.ConsumeIntegral<uint16_t>());
  auto bytes = fdp.ConsumeRemainingBytes<uint8_t>();

  ws::reader whole{max};
  std::vector<ws::input> a;
  whole.feed(bytes.data(), bytes.size(), a);
  check(a, whole, max);

  for (auto& p : at)
    p = bytes.empty() ? 0 : p % (bytes.size() + 1);
  at.push_back(0);
  at.push_back(bytes.size());
  std::sort(at.begin(), at.end());
  ws::reader split{max};
  std::vector<ws::input> b;
  for (size_t i = 0; i + 1 < at.size(); ++i) {
    size_t before = b.size();
    bool was_done = split.done();
    split.feed(bytes.data() + at[i], at[i + 1] - at[i], b);
    if (was_done)
      FUZZ_CHECK(b.size() == before);
  }
  check(b, split, max);
  FUZZ_CHECK(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    FUZZ_CHECK(same(a[i], b[i]));

  // Once done, more bytes change nothing.
  if (whole.done()) {
    size_t n = a.size();
    whole.feed(bytes.data(), bytes.size(), a);
    FUZZ_CHECK(a.size() == n);
  }
  return 0;
}
