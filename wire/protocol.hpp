#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"

// Native protocol v1 (docs/protocol.md): parsing client requests and
// building the server's control frames. Room frames (snapshot, event) are
// built by the rooms themselves.
namespace flux::protocol {

constexpr int version = 1;

enum class op { subscribe, unsubscribe, ping, rooms, auth };

struct request {
  op kind = op::ping;
  std::string id = "null"; // the client's request id, as raw JSON
  std::string room;
  bool resume = false; // subscribe with a position
  std::string epoch;
  int64_t pos = -1;
  std::string token; // auth: the JWT (never logged)
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
constexpr const char* unauthorized = "unauthorized";   // no or a bad token
constexpr const char* forbidden = "forbidden";         // room outside it
constexpr const char* token_expired = "token_expired"; // exp has passed
} // namespace code

// Parses one client text message. On failure returns false and fills
// `err_code`, `err_message` and (when it could be read) `out.id`.
bool parse(std::string_view text, request& out, const char*& err_code,
           std::string& err_message);

// `auth`: "off" (no keys), "optional" or "required" (docs/auth.md).
std::string hello_frame(const std::string& session, size_t max_frame_bytes,
                        int64_t heartbeat_ms, std::string_view auth = "off");
// A token accepted: who, until when (exp, Unix seconds), and the room
// patterns it may subscribe to besides the anonymous ones.
std::string authed_frame(const std::string& id, const std::string& sub,
                         int64_t exp_s, const std::vector<std::string>& rooms,
                         const std::vector<std::string>& anonymous_rooms);
std::string token_expiring_frame(int64_t exp_s);
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
