#include "flux_bench/ws_frame.hpp"

namespace flux_bench {

std::string masked_frame(uint8_t opcode, std::string_view payload,
                         uint64_t& mask_seed) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  auto n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      f.push_back(
        static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  mask_seed = mask_seed * 6364136223846793005ull + 1442695040888963407ull;
  uint8_t key[4];
  for (int i = 0; i < 4; ++i)
    key[i] = static_cast<uint8_t>(mask_seed >> (8 * (i + 4)));
  f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; ++i)
    f.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
  return f;
}

} // namespace flux_bench
