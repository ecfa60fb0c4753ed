#include "gateway/ws_frame.hpp"

#include <cstring>

namespace flux::gateway::ws {

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
  if (reason.size() > 123)
    reason = reason.substr(0, 123);
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return make_frame(op_close, payload);
}

bool valid_utf8(std::string_view text) {
  auto s = reinterpret_cast<const uint8_t*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800)
        || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
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

size_t reader::parse(const uint8_t* p, size_t size, std::vector<input>& out) {
  if (size < 2)
    return 0;
  bool fin = (p[0] & 0x80) != 0;
  uint8_t rsv = p[0] & 0x70;
  auto op = static_cast<uint8_t>(p[0] & 0x0F);
  bool masked = (p[1] & 0x80) != 0;
  uint64_t len = p[1] & 0x7F;
  size_t header = 2;
  if (rsv != 0) {
    fail(close_protocol_error, "reserved bits set (no extension negotiated)",
         out);
    return 0;
  }
  bool control = (op & 0x8) != 0;
  if (op != op_continuation && op != op_text && op != op_binary
      && op != op_close && op != op_ping && op != op_pong) {
    fail(close_protocol_error, "unknown opcode", out);
    return 0;
  }
  if (!masked) {
    fail(close_protocol_error, "client frame not masked", out);
    return 0;
  }
  if (control && (!fin || len > 125)) {
    fail(close_protocol_error, "fragmented or oversized control frame", out);
    return 0;
  }
  if (len == 126) {
    if (size < 4)
      return 0;
    len = (uint64_t{p[2]} << 8) | p[3];
    header = 4;
  } else if (len == 127) {
    if (size < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | p[2 + i];
    header = 10;
  }
  // Refuse an oversized message before buffering it.
  if (!control && len + (in_message_ ? message_.size() : 0) > max_) {
    fail(close_too_big, "message over the size limit", out);
    return 0;
  }
  if (size < header + 4 + len)
    return 0;
  const uint8_t* mask = p + header;
  const uint8_t* payload = mask + 4;
  auto unmask_into = [&](std::string& dst) {
    auto at = dst.size();
    dst.resize(at + len);
    for (uint64_t i = 0; i < len; ++i)
      dst[at + i] = static_cast<char>(payload[i] ^ mask[i & 3]);
  };
  size_t used = header + 4 + static_cast<size_t>(len);
  if (control) {
    input in;
    unmask_into(in.payload);
    if (op == op_ping) {
      in.kind = input::ping;
    } else if (op == op_pong) {
      in.kind = input::pong;
    } else {
      in.kind = input::close;
      if (in.payload.size() == 1) {
        fail(close_protocol_error, "close frame with a 1-byte payload", out);
        return 0;
      }
      in.code = 1005; // no status code present
      if (in.payload.size() >= 2) {
        in.code = static_cast<uint16_t>(
          (static_cast<uint8_t>(in.payload[0]) << 8)
          | static_cast<uint8_t>(in.payload[1]));
        in.payload.erase(0, 2);
      }
      done_ = true; // nothing is read after a close
    }
    out.push_back(std::move(in));
    return used;
  }
  if (op == op_continuation) {
    if (!in_message_) {
      fail(close_protocol_error, "continuation without a message", out);
      return 0;
    }
  } else {
    if (in_message_) {
      fail(close_protocol_error, "new message inside a fragmented one", out);
      return 0;
    }
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

} // namespace flux::gateway::ws
