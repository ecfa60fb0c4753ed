#pragma once

#include <cstdint>

namespace flux {

// Close codes Flux uses (documented in docs/protocol.md).
namespace close_code {
constexpr uint16_t going_away = 1001;      // server shutting down
constexpr uint16_t policy = 1008;          // too many errors or requests
constexpr uint16_t too_big = 1009;         // frame over the size limit
constexpr uint16_t unauthorized = 4001;    // no valid token (or it expired)
constexpr uint16_t auth_failures = 4003;   // too many refused tokens
constexpr uint16_t slow_consumer = 4008;   // outbound budget exceeded
} // namespace close_code

} // namespace flux
