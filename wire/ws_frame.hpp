#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The WebSocket framing (RFC 6455) of an established server connection:
// reading client frames, writing server frames. Beast does the opening
// handshake; after it the gateway frames messages itself so that a write is
// one non-blocking sendmsg of ready-made frames (see websocket_session).
//
// No extensions are negotiated (no permessage-deflate), so RSV bits must be
// clear. Client frames must be masked; server frames never are.
namespace flux::ws {

enum opcode : uint8_t {
  op_continuation = 0x0,
  op_text = 0x1,
  op_binary = 0x2,
  op_close = 0x8,
  op_ping = 0x9,
  op_pong = 0xA,
};

// Close codes the framing itself uses.
constexpr uint16_t close_normal = 1000;
constexpr uint16_t close_protocol_error = 1002;
constexpr uint16_t close_unsupported = 1003;     // binary where text is taken
constexpr uint16_t close_invalid_payload = 1007; // text that is not UTF-8
constexpr uint16_t close_too_big = 1009;

// The header of a server frame (unmasked) carrying `length` bytes, written
// to `out` (at least max_header_bytes). Returns the header's size.
constexpr size_t max_header_bytes = 10;
size_t write_header(uint8_t* out, opcode op, uint64_t length);

// A whole server frame: header and payload.
std::string make_frame(opcode op, std::string_view payload);

// A close frame: code and reason. The reason is cut to fit a control
// frame's 125 bytes on a character boundary, and left out when it is not
// UTF-8: the server never sends invalid UTF-8.
std::string make_close_frame(uint16_t code, std::string_view reason);

// Whether a client may close with `code` (RFC 6455 7.4): 1000-1003,
// 1007-1014 (1012-1014 registered with IANA), 3000-4999. 1004-1006 and
// 1015 are reserved (never sent in a frame), 1016-2999 unassigned or for
// extensions (none are negotiated), the rest out of range.
bool valid_close_code(uint16_t code);

// What a client sent, one item per complete message or control frame.
struct input {
  enum kind_t { message, ping, pong, close, error } kind = message;
  std::string payload;  // message text, ping/pong payload, close reason
  bool binary = false;  // message: sent as a binary message
  uint16_t code = 0;    // close: the client's code (1005 if none);
                        // error: the code to close with
};

// Reassembles client messages from the bytes read, however they were split
// into reads and frames. Keeps only an incomplete frame's bytes between
// reads (nothing for an idle client): at most one frame, and a frame's
// length is checked against the limit from its header alone, so that is at
// most max_message_bytes plus a header and one read. After a close or an
// error it reads no further.
//
// Refused with an error: what RFC 6455 requires to fail (RSV bits, unknown
// opcodes, unmasked or fragmented or oversized control frames, broken
// fragmentation, a 64-bit length with its top bit set, text or a close
// reason that is not UTF-8, close codes no endpoint may send), lengths not
// in their minimal form (RFC 6455 5.2 requires it of the sender; the
// receiver may fail such a frame, and Beast did), messages over the limit
// (1009), and binary messages when not taken (1003, at their first frame).
class reader {
public:
  explicit reader(size_t max_message_bytes, bool take_binary = true)
    : max_(max_message_bytes), take_binary_(take_binary) {}

  // Appends what the bytes complete to `out`.
  void feed(const uint8_t* data, size_t size, std::vector<input>& out);

  bool done() const { return done_; }

  // Bytes held between reads: of an incomplete frame and of a fragmented
  // message (at most max_message_bytes + a header + one read).
  size_t buffered() const { return partial_.size() + message_.size(); }

private:
  // Parses one frame at data[0..size); returns the bytes it took, or 0 when
  // the frame is not complete yet.
  size_t parse(const uint8_t* data, size_t size, std::vector<input>& out);
  // The checks of a frame's first two bytes: false (and failed) if broken.
  bool check_start(uint8_t b0, uint8_t b1, std::vector<input>& out);
  // A whole control frame's payload, as what it means.
  void on_control(uint8_t op, std::string payload, std::vector<input>& out);
  // Parses every whole frame at data[0..size); returns the bytes taken.
  size_t parse_all(const uint8_t* data, size_t size, std::vector<input>& out);
  void fail(uint16_t code, std::string why, std::vector<input>& out);

  size_t max_;
  bool take_binary_;
  std::string partial_;   // bytes of an incomplete frame
  std::string message_;   // fragments of the message being assembled
  bool in_message_ = false;
  bool message_binary_ = false;
  bool done_ = false;
};

} // namespace flux::ws
