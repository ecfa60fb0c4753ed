#include "wire/socketio.hpp"

#include "core/utf8.hpp"

#include <cctype>
#include <random>

#include <openssl/rand.h>

#include "core/json.hpp"
#include "wire/ws_frame.hpp"

namespace flux::socketio {

namespace {

bool safe_namespace_byte(unsigned char c) {
  return c >= 0x20 && c != 0x7f && c != '"' && c != '\\' && c != ',';
}

// Reads "<ns>," if present (a namespace starts with '/'; without a comma it
// runs to the end).
bool read_namespace(std::string_view& rest, std::string& ns,
                    std::string& why) {
  if (rest.empty() || rest[0] != '/')
    return true;
  auto comma = rest.find(',');
  auto name = rest.substr(0, comma);
  if (name.size() > max_namespace) {
    why = "namespace longer than " + std::to_string(max_namespace) + " bytes";
    return false;
  }
  if (!valid_namespace(name)) {
    why = "namespace with a control character, quote, backslash or invalid "
          "UTF-8";
    return false;
  }
  ns = std::string{name};
  rest = comma == std::string_view::npos ? std::string_view{}
                                         : rest.substr(comma + 1);
  return true;
}

// An ack id is optional; at most max_ack_digits digits, so it cannot
// overflow.
bool read_ack_id(std::string_view& rest, int64_t& id) {
  size_t n = 0;
  while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n])))
    ++n;
  if (n == 0)
    return true;
  if (n > max_ack_digits)
    return false;
  id = 0;
  for (size_t i = 0; i < n; ++i)
    id = id * 10 + (rest[i] - '0');
  rest = rest.substr(n);
  return true;
}

bool parse_connect(std::string_view rest, packet& out, std::string& why) {
  out.type = packet::kind::connect;
  if (rest.empty())
    return true;
  rapidjson::Document doc;
  std::string bad;
  if (!json::parse(doc, rest, bad) || !doc.IsObject()) {
    why = "CONNECT payload must be a JSON object";
    if (!bad.empty())
      why += ": " + bad;
    return false;
  }
  out.has_token = json::get(doc, "token", out.token);
  return true;
}

bool parse_event(char type, std::string_view rest, packet& out,
                 std::string& why) {
  out.type = type == '2' ? packet::kind::event : packet::kind::ack;
  if (!read_ack_id(rest, out.ack_id)) {
    why = "ack id longer than " + std::to_string(max_ack_digits) + " digits";
    return false;
  }
  rapidjson::Document doc;
  std::string bad;
  if (!json::parse(doc, rest, bad) || !doc.IsArray()) {
    why = "payload must be a JSON array";
    if (!bad.empty())
      why += ": " + bad;
    return false;
  }
  if (out.type == packet::kind::ack) {
    if (out.ack_id < 0) {
      why = "ACK without an id";
      return false;
    }
    return true;
  }
  if (doc.Empty() || !doc[0].IsString()) {
    why = "event without a name";
    return false;
  }
  out.name.assign(doc[0].GetString(), doc[0].GetStringLength());
  if (doc.Size() > 1)
    out.arg = json::to_string(doc[1]);
  return true;
}

} // namespace

bool valid_namespace(std::string_view ns) {
  if (ns.empty() || ns[0] != '/' || ns.size() > max_namespace)
    return false;
  for (unsigned char c : ns)
    if (!safe_namespace_byte(c))
      return false;
  return flux::valid_utf8(ns);
}

bool parse(std::string_view text, packet& out, std::string& why) {
  if (text.empty()) {
    why = "empty packet";
    return false;
  }
  switch (text[0]) {
    case '1': out.type = packet::kind::close; return true;
    case '2':
    case '3':
      out.type = text[0] == '2' ? packet::kind::ping : packet::kind::pong;
      if (text.size() - 1 > max_ping_data) {
        why = "Engine.IO ping/pong payload longer than "
              + std::to_string(max_ping_data) + " bytes";
        return false;
      }
      out.data = std::string{text.substr(1)};
      return true;
    case '6': out.type = packet::kind::noop; return true;
    case '4': break;
    default:
      why = "unknown Engine.IO packet type";
      return false;
  }
  if (text.size() < 2) {
    why = "empty Socket.IO packet";
    return false;
  }
  auto type = text[1];
  if (type == '5' || type == '6') {
    why = "binary packets are not supported";
    return false;
  }
  if (type < '0' || type > '3') {
    why = "unknown Socket.IO packet type";
    return false;
  }
  auto rest = text.substr(2);
  if (!read_namespace(rest, out.ns, why))
    return false;
  switch (type) {
    case '0': return parse_connect(rest, out, why);
    case '1': out.type = packet::kind::disconnect; return true;
    default: return parse_event(type, rest, out, why);
  }
}

std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // OpenSSL's generator failed (it should not): the OS's own.
    std::random_device dev;
    for (auto& b : bytes)
      b = static_cast<unsigned char>(dev());
  }
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (auto b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string open_packet(const std::string& sid, int64_t ping_interval_ms,
                        int64_t ping_timeout_ms, size_t max_payload) {
  json::writer w;
  w.start_object();
  w.kv("sid", sid);
  w.key("upgrades");
  w.start_array();
  w.end_array();
  w.kv("pingInterval", ping_interval_ms);
  w.kv("pingTimeout", ping_timeout_ms);
  w.kv("maxPayload", static_cast<uint64_t>(max_payload));
  w.end_object();
  return "0" + w.take();
}

namespace {

// "<type>" or "<type><ns>," before a CONNECT answer's JSON.
std::string prefixed(const char* type, const std::string& ns,
                     json::writer& w) {
  std::string out = type;
  if (ns != "/" && valid_namespace(ns))
    out += ns + ",";
  return out + w.take();
}

} // namespace

std::string connect_ok(const std::string& ns, const std::string& sid) {
  json::writer w;
  w.start_object();
  w.kv("sid", sid);
  w.end_object();
  return prefixed("40", ns, w);
}

std::string connect_error(const std::string& ns, std::string_view message) {
  json::writer w;
  w.start_object();
  w.kv("message", message);
  w.end_object();
  return prefixed("44", ns, w);
}

std::string event(std::string_view name, std::string_view json_arg) {
  json::writer w;
  w.value(name);
  std::string out = "42[" + w.take();
  out += ',';
  out += json_arg;
  out += ']';
  return out;
}

std::string ack(int64_t id, std::string_view json_arg) {
  std::string out = "43" + std::to_string(id) + "[";
  out += json_arg;
  out += ']';
  return out;
}

std::string from_frame(const std::string& frame) {
  // Every native frame starts with {"type":"<name>", (built by Flux).
  constexpr std::string_view prefix = "{\"type\":\"";
  std::string_view name = "message";
  if (frame.compare(0, prefix.size(), prefix) == 0) {
    auto end = frame.find('"', prefix.size());
    if (end != std::string::npos)
      name = std::string_view{frame}.substr(prefix.size(), end - prefix.size());
  }
  std::string out;
  out.reserve(frame.size() + name.size() + 8);
  out += "42[\"";
  out += name;
  out += "\",";
  out += frame;
  out += ']';
  return out;
}

frame_ptr packet_of(const room_frame& f) {
  auto& lazy = *f.socketio;
  std::call_once(lazy.once,
                 [&] { lazy.frame = make_frame(from_frame(*f.frame)); });
  return lazy.frame;
}

} // namespace flux::socketio
