#include "wire/ws_frame.hpp"

#include <cstring>

#include "core/utf8.hpp"

namespace flux::ws {

size_t write_header(uint8_t* out, opcode op, uint64_t length) {
  out[0] = static_cast<uint8_t>(0x80 | op); // FIN, no RSV bits
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<uint8_t>(length >> (56 - 8 * i));
  return 10;
}

std::string make_frame(opcode op, std::string_view payload) {
  uint8_t header[max_header_bytes];
  auto n = write_header(header, op, payload.size());
  std::string out;
  out.reserve(n + payload.size());
  out.append(reinterpret_cast<const char*>(header), n);
  out.append(payload);
  return out;
}

std::string make_close_frame(uint16_t code, std::string_view reason) {
  if (!valid_utf8(reason))
    reason = {};
  reason = utf8_prefix(reason, 123);
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return make_frame(op_close, payload);
}

bool valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

void reader::fail(uint16_t code, std::string why, std::vector<input>& out) {
  done_ = true;
  partial_.clear();
  message_.clear();
  input in;
  in.kind = input::error;
  in.code = code;
  in.payload = std::move(why);
  out.push_back(std::move(in));
}

size_t reader::parse_all(const uint8_t* data, size_t size,
                         std::vector<input>& out) {
  size_t off = 0;
  while (!done_ && off < size) {
    auto used = parse(data + off, size - off, out);
    if (used == 0)
      break;
    off += used;
  }
  return off;
}

void reader::feed(const uint8_t* data, size_t size, std::vector<input>& out) {
  if (done_)
    return;
  if (partial_.empty()) {
    auto off = parse_all(data, size, out);
    if (!done_ && off < size)
      partial_.assign(reinterpret_cast<const char*>(data + off), size - off);
    return;
  }
  // Complete the pending frame first. Parsed in place: a client that
  // trickles a frame byte by byte costs one append per byte, not a copy of
  // everything so far.
  partial_.append(reinterpret_cast<const char*>(data), size);
  auto off = parse_all(reinterpret_cast<const uint8_t*>(partial_.data()),
                       partial_.size(), out);
  if (done_)
    partial_.clear();
  else if (off > 0)
    partial_.erase(0, off);
  if (partial_.empty())
    std::string{}.swap(partial_); // an idle client keeps no buffer
}

bool reader::check_start(uint8_t b0, uint8_t b1, std::vector<input>& out) {
  bool fin = (b0 & 0x80) != 0;
  auto op = static_cast<uint8_t>(b0 & 0x0F);
  uint8_t len7 = b1 & 0x7F;
  const char* why = nullptr;
  uint16_t code = close_protocol_error;
  if ((b0 & 0x70) != 0)
    why = "reserved bits set (no extension negotiated)";
  else if (op != op_continuation && op != op_text && op != op_binary
           && op != op_close && op != op_ping && op != op_pong)
    why = "unknown opcode";
  else if ((b1 & 0x80) == 0)
    why = "client frame not masked";
  else if ((op & 0x8) != 0 && (!fin || len7 > 125))
    why = "fragmented or oversized control frame";
  else if (op == op_continuation && !in_message_)
    why = "continuation without a message";
  else if ((op == op_text || op == op_binary) && in_message_)
    why = "new message inside a fragmented one";
  else if (op == op_binary && !take_binary_) {
    why = "binary messages are not supported; send JSON text";
    code = close_unsupported;
  }
  if (why)
    fail(code, why, out);
  return why == nullptr;
}

size_t reader::parse(const uint8_t* p, size_t size, std::vector<input>& out) {
  if (size < 2)
    return 0;
  if (!check_start(p[0], p[1], out))
    return 0;
  bool fin = (p[0] & 0x80) != 0;
  auto op = static_cast<uint8_t>(p[0] & 0x0F);
  bool control = (op & 0x8) != 0;
  uint64_t len = p[1] & 0x7F;
  size_t header = 2;
  if (len == 126) {
    if (size < 4)
      return 0;
    len = (uint64_t{p[2]} << 8) | p[3];
    header = 4;
    if (len < 126) {
      fail(close_protocol_error, "length not in its minimal form", out);
      return 0;
    }
  } else if (len == 127) {
    if (size < 10)
      return 0;
    if ((p[2] & 0x80) != 0) {
      fail(close_protocol_error, "64-bit length with its top bit set", out);
      return 0;
    }
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | p[2 + i];
    header = 10;
    if (len <= 0xFFFF) {
      fail(close_protocol_error, "length not in its minimal form", out);
      return 0;
    }
  }
  // Refuse an oversized message before buffering it. No sum here may wrap:
  // message_ never holds more than max_, and len is checked against what
  // is left before anything is added to it.
  if (!control && len > max_ - message_.size()) {
    fail(close_too_big, "message over the size limit", out);
    return 0;
  }
  // len <= max_ (or 125) from here on, so header + 4 + len cannot wrap.
  size_t used = header + 4 + static_cast<size_t>(len);
  if (size < used)
    return 0;
  const uint8_t* mask = p + header;
  const uint8_t* payload = mask + 4;
  auto unmask_into = [&](std::string& dst) {
    auto at = dst.size();
    dst.resize(at + static_cast<size_t>(len));
    for (size_t i = 0; i < static_cast<size_t>(len); ++i)
      dst[at + i] = static_cast<char>(payload[i] ^ mask[i & 3]);
  };
  if (control) {
    std::string body;
    unmask_into(body);
    on_control(op, std::move(body), out);
    return used;
  }
  if (op != op_continuation) {
    in_message_ = true;
    message_binary_ = op == op_binary;
  }
  unmask_into(message_);
  if (!fin)
    return used;
  in_message_ = false;
  if (!message_binary_ && !valid_utf8(message_)) {
    fail(close_invalid_payload, "text message is not valid UTF-8", out);
    return 0;
  }
  input in;
  in.kind = input::message;
  in.binary = message_binary_;
  in.payload.swap(message_);
  out.push_back(std::move(in));
  return used;
}

void reader::on_control(uint8_t op, std::string payload,
                        std::vector<input>& out) {
  input in;
  in.payload = std::move(payload);
  if (op == op_ping) {
    in.kind = input::ping;
  } else if (op == op_pong) {
    in.kind = input::pong;
  } else {
    if (in.payload.size() == 1)
      return fail(close_protocol_error, "close frame with a 1-byte payload",
                  out);
    in.kind = input::close;
    in.code = 1005; // no status code present
    if (in.payload.size() >= 2) {
      in.code = static_cast<uint16_t>(
        (static_cast<uint8_t>(in.payload[0]) << 8)
        | static_cast<uint8_t>(in.payload[1]));
      in.payload.erase(0, 2);
      if (!valid_close_code(in.code))
        return fail(close_protocol_error, "invalid close code", out);
      if (!valid_utf8(in.payload))
        return fail(close_invalid_payload, "close reason is not valid UTF-8",
                    out);
    }
    done_ = true; // nothing is read after a close
  }
  out.push_back(std::move(in));
}

} // namespace flux::ws
