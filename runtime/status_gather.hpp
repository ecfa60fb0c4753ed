#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "core/json.hpp"

// Answers one request with the status documents of several actors, asked
// all at once: {<head fields>, "<list>": [entries...]}, sent once every ask
// was answered or failed (timed out, or the actor is gone). The node's
// /stats (every member's status) and the cluster's cluster-wide /stats
// (every node's) are built this way. An entry is any JSON value; the asker
// makes it from a reply (or from an error) and adds it, in arrival order
// or first. The head is written last, so it may count the failed asks.
namespace flux {

using status_promise = caf::typed_response_promise<std::string>;

class status_gather : public std::enable_shared_from_this<status_gather> {
public:
  using head_writer = std::function<void(json::writer&, uint64_t failed)>;
  using reply_handler = std::function<void(status_gather&, std::string&)>;
  using error_handler = std::function<void(status_gather&, caf::error&)>;

  // Holds the answer back until release(): the asks go out first.
  static std::shared_ptr<status_gather>
  make(status_promise promise, std::string list_key, head_writer head);

  void add(std::string entry);
  void add_first(std::string entry);

  // Sends `request` to `whom`; its reply goes to on_reply, a failure is
  // counted and goes to on_error (when set).
  template <class Self, class Handle, class... Ts>
  void ask(Self* self, const Handle& whom,
           std::chrono::seconds timeout, reply_handler on_reply,
           error_handler on_error, Ts&&... request) {
    ++pending_;
    auto g = shared_from_this();
    self->request(whom, timeout, std::forward<Ts>(request)...)
      .then(
        [g, on_reply](std::string& reply) {
          on_reply(*g, reply);
          g->done_one();
        },
        [g, on_error](caf::error& err) {
          ++g->failed_;
          if (on_error)
            on_error(*g, err);
          g->done_one();
        });
  }

  // Every ask is out: answer once they are all in.
  void release() { done_one(); }

  status_gather(status_promise promise, std::string list_key,
                head_writer head);

private:
  void done_one();

  status_promise promise_;
  std::string list_key_;
  head_writer head_;
  std::vector<std::string> entries_;
  size_t pending_ = 1; // the hold release() lets go
  uint64_t failed_ = 0;
};

} // namespace flux
