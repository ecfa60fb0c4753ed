#pragma once

// What the connector tests share: a JSON parse that must succeed, a tiny
// HTTP server on 127.0.0.1, a blocking fetch, and a hostile answer.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include "domains/source.hpp"

namespace flux::tests {

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

// A one-thread HTTP server on 127.0.0.1 for the client-side tests: it
// answers every request with `reply`, or (empty reply) reads the request
// and never answers. Counts the requests it read.
class tiny_server {
public:
  explicit tiny_server(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~tiny_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : held_)
      ::close(c);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }

private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
      ++requests_;
      if (reply_.empty()) { // hang: keep the connection, answer nothing
        held_.push_back(c);
        continue;
      }
      auto out = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                 "Content-Length: " + std::to_string(reply_.size())
                 + "\r\nConnection: close\r\n\r\n" + reply_;
      (void)!::write(c, out.data(), out.size());
      ::close(c);
    }
  }

  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::vector<int> held_;
  std::thread thread_;
};

// Runs one fetch of `src` and waits for its result.
inline fetch_result fetch_now(source& src) {
  std::promise<fetch_result> p;
  auto f = p.get_future();
  src.fetch([&p](fetch_result r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  return f.get();
}

// JSON nested 10,000 deep: past json::max_depth.
inline const std::string deep
  = std::string(10000, '[') + std::string(10000, ']');

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace flux::tests
