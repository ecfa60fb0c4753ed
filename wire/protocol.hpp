#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.hpp"

// Native protocol v1 (docs/protocol.md): parsing client requests and
// building the server's control frames. Room frames (snapshot, event) are
// built by the rooms themselves.
namespace flux::protocol {

constexpr int version = 1;

enum class op { subscribe, unsubscribe, ping, rooms };

struct request {
  op kind = op::ping;
  std::string id = "null"; // the client's request id, as raw JSON
  std::string room;
  bool resume = false; // subscribe with a position
  std::string epoch;
  int64_t pos = -1;
};

// Stable error codes sent in error frames.
namespace code {
constexpr const char* bad_json = "bad_json";
constexpr const char* bad_request = "bad_request";
constexpr const char* unknown_op = "unknown_op";
constexpr const char* unknown_room = "unknown_room";
constexpr const char* rate_limited = "rate_limited";
constexpr const char* too_many_subscriptions = "too_many_subscriptions";
constexpr const char* internal = "internal";
} // namespace code

// Parses one client text message. On failure returns false and fills
// `err_code`, `err_message` and (when it could be read) `out.id`.
bool parse(std::string_view text, request& out, const char*& err_code,
           std::string& err_message);

std::string hello_frame(const std::string& session, size_t max_frame_bytes,
                        int64_t heartbeat_ms);
std::string error_frame(const std::string& id, const char* code,
                        std::string_view message,
                        std::string_view room = {});
std::string subscribed_frame(const std::string& id, const std::string& room,
                             const std::string& epoch, int64_t pos,
                             bool resumed, const std::string& reason,
                             int64_t missed);
std::string unsubscribed_frame(const std::string& id, const std::string& room);
std::string pong_frame(const std::string& id, int64_t server_ms);
std::string rooms_frame(const std::string& id, const std::string& rooms_json);

} // namespace flux::protocol
