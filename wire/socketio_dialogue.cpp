#include "wire/socketio_dialogue.hpp"

#include <algorithm>

#include "core/json.hpp"
#include "core/secret.hpp"
#include "wire/close_code.hpp"

namespace flux::socketio {

std::string dialogue::open(int64_t now_ms) {
  next_ping_ms_ = now_ms + opts_.ping_interval_ms;
  connect_due_ms_ = now_ms + opts_.connect_timeout_ms;
  return open_packet(random_id(), opts_.ping_interval_ms,
                     opts_.ping_timeout_ms, opts_.max_payload);
}

int64_t dialogue::next_deadline() const {
  auto at = next_ping_ms_;
  if (pong_due_ms_ >= 0)
    at = std::min(at, pong_due_ms_);
  if (!connected_)
    at = std::min(at, connect_due_ms_);
  if (refusal_due_ms_ >= 0)
    at = std::min(at, refusal_due_ms_);
  return at;
}

namespace {

void close_with(step& out, uint16_t code, std::string reason) {
  out.close_code = code;
  out.close_reason = std::move(reason);
}

// {"op": name, ...arg} is exactly a native request.
std::string native_request(const packet& p) {
  std::string native = "{\"op\":";
  json::writer name;
  name.value(p.name);
  native += name.take();
  if (p.arg.size() > 2 && p.arg.front() == '{') {
    native += ',';
    native.append(p.arg, 1, std::string::npos);
  } else {
    native += '}';
  }
  return native;
}

} // namespace

step dialogue::on_deadline(int64_t now_ms) {
  step out;
  if (!connected_ && now_ms >= connect_due_ms_) {
    close_with(out, close_code::policy,
               "no Socket.IO CONNECT within "
                 + std::to_string(opts_.connect_timeout_ms) + " ms");
    return out;
  }
  if (pong_due_ms_ >= 0 && now_ms >= pong_due_ms_) {
    close_with(out, 1000, "ping timeout");
    return out;
  }
  if (refusal_due_ms_ >= 0 && now_ms >= refusal_due_ms_) {
    refusal_due_ms_ = -1;
    out.send.push_back(connect_error("/", refusal_));
    if (connect_failures_ >= opts_.max_connect_failures) {
      close_with(out, opts_.refused_close_code,
                 "too many failed CONNECT attempts");
      return out;
    }
  }
  if (now_ms >= next_ping_ms_) {
    out.send.emplace_back(ping);
    if (pong_due_ms_ < 0) // the oldest unanswered ping counts
      pong_due_ms_ = now_ms + opts_.ping_timeout_ms;
    next_ping_ms_ = std::max(next_ping_ms_ + opts_.ping_interval_ms,
                             now_ms + 1);
  }
  return out;
}

// CONNECT: only the main namespace, with the token when one is set. A
// refused one counts; the answer to a wrong token waits.
void dialogue::on_connect(const packet& p, int64_t now_ms, step& out) {
  if (refusal_due_ms_ >= 0) {
    close_with(out, close_code::policy,
               "CONNECT while a refused CONNECT is pending");
    return;
  }
  if (p.ns != "/") {
    ++connect_failures_;
    out.send.push_back(connect_error(p.ns, "Invalid namespace"));
    if (connect_failures_ >= opts_.max_connect_failures)
      close_with(out, close_code::policy, "too many failed CONNECT attempts");
    return;
  }
  if (!connected_ && !opts_.auth_token.empty()
      && !(p.has_token && same_secret(p.token, opts_.auth_token))) {
    ++connect_failures_;
    refusal_due_ms_ = now_ms + connect_refusal_delay_ms;
    refusal_ = "Not authorized";
    return;
  }
  std::string why;
  if (!connected_ && opts_.admit && !opts_.admit(p.has_token, p.token, why)) {
    ++connect_failures_;
    refusal_due_ms_ = now_ms + connect_refusal_delay_ms;
    refusal_ = std::move(why);
    return;
  }
  if (!connected_) {
    connected_ = true;
    socket_id_ = random_id();
  }
  out.send.push_back(connect_ok("/", socket_id_));
}

step dialogue::on_message(std::string_view text, int64_t now_ms) {
  step out;
  packet p;
  std::string why;
  if (!parse(text, p, why)) {
    out.malformed = true;
    close_with(out, 1002, "malformed Socket.IO packet: " + why);
    return out;
  }
  using kind = packet::kind;
  switch (p.type) {
    case kind::pong:
      pong_due_ms_ = -1;
      return out;
    case kind::ping: // a v3-style ping or the "2probe" of an upgrade
      out.pong = "3" + p.data;
      return out;
    case kind::noop:
    case kind::ack:
      return out;
    case kind::close:
    case kind::disconnect:
      close_with(out, 1000, "client disconnected");
      return out;
    case kind::connect:
      on_connect(p, now_ms, out);
      return out;
    case kind::event:
      break;
  }
  if (!connected_ || p.ns != "/") {
    close_with(out, 1002, "event before CONNECT to the main namespace");
    return out;
  }
  out.has_request = true;
  out.request = native_request(p);
  out.request_id = p.ack_id >= 0 ? std::to_string(p.ack_id) : "null";
  return out;
}

std::string answer(const std::string& id, const std::string& frame) {
  if (id != "null" && !id.empty() && id[0] != '"')
    return ack(std::stoll(id), frame);
  return from_frame(frame);
}

} // namespace flux::socketio
