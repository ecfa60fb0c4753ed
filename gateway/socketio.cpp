#include "gateway/socketio.hpp"

#include <cctype>

#include "core/json.hpp"

namespace flux::socketio {

namespace {

// Reads "<ns>," if present (a namespace starts with '/').
void read_namespace(std::string_view& rest, std::string& ns) {
  if (rest.empty() || rest[0] != '/')
    return;
  auto comma = rest.find(',');
  ns = std::string{rest.substr(0, comma)};
  rest = comma == std::string_view::npos ? std::string_view{}
                                         : rest.substr(comma + 1);
}

bool read_ack_id(std::string_view& rest, int64_t& id) {
  size_t n = 0;
  while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n])))
    ++n;
  if (n == 0)
    return true;
  if (n > 15)
    return false;
  id = std::stoll(std::string{rest.substr(0, n)});
  rest = rest.substr(n);
  return true;
}

} // namespace

bool parse(std::string_view text, packet& out, std::string& why) {
  if (text.empty()) {
    why = "empty packet";
    return false;
  }
  switch (text[0]) {
    case '1': out.type = packet::kind::close; return true;
    case '2': out.type = packet::kind::ping; return true;
    case '3': out.type = packet::kind::pong; return true;
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
  auto rest = text.substr(2);
  read_namespace(rest, out.ns);
  switch (text[1]) {
    case '0': {
      out.type = packet::kind::connect;
      if (!rest.empty()) {
        rapidjson::Document doc;
        doc.Parse(rest.data(), rest.size());
        if (doc.HasParseError() || !doc.IsObject()) {
          why = "CONNECT payload must be a JSON object";
          return false;
        }
        out.auth = std::string{rest};
      }
      return true;
    }
    case '1': out.type = packet::kind::disconnect; return true;
    case '2':
    case '3': {
      out.type = text[1] == '2' ? packet::kind::event : packet::kind::ack;
      if (!read_ack_id(rest, out.ack_id)) {
        why = "bad ack id";
        return false;
      }
      rapidjson::Document doc;
      doc.Parse(rest.data(), rest.size());
      if (doc.HasParseError() || !doc.IsArray()) {
        why = "payload must be a JSON array";
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
    case '5':
    case '6':
      why = "binary packets are not supported";
      return false;
    default:
      why = "unknown Socket.IO packet type";
      return false;
  }
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

std::string connect_ok(const std::string& ns, const std::string& sid) {
  std::string out = "40";
  if (ns != "/")
    out += ns + ",";
  return out + "{\"sid\":\"" + sid + "\"}";
}

std::string connect_error(const std::string& ns, std::string_view message) {
  json::writer w;
  w.start_object();
  w.kv("message", message);
  w.end_object();
  std::string out = "44";
  if (ns != "/")
    out += ns + ",";
  return out + w.take();
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
