#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flux_bench {

// A masked client frame (RFC 6455 5.3), FIN set. The masking key comes
// from mask_seed, which it advances.
std::string masked_frame(uint8_t opcode, std::string_view payload,
                         uint64_t& mask_seed);

} // namespace flux_bench
