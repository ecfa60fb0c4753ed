#include "runtime/status_gather.hpp"

namespace flux {

std::shared_ptr<status_gather>
status_gather::make(status_promise promise, std::string list_key,
                    head_writer head) {
  return std::make_shared<status_gather>(std::move(promise),
                                         std::move(list_key), std::move(head));
}

status_gather::status_gather(status_promise promise,
                             std::string list_key, head_writer head)
  : promise_(std::move(promise)),
    list_key_(std::move(list_key)),
    head_(std::move(head)) {
}

void status_gather::add(std::string entry) {
  entries_.push_back(std::move(entry));
}

void status_gather::add_first(std::string entry) {
  entries_.insert(entries_.begin(), std::move(entry));
}

void status_gather::done_one() {
  if (--pending_ > 0)
    return;
  json::writer w;
  w.start_object();
  head_(w, failed_);
  w.key(list_key_);
  w.start_array();
  for (auto& e : entries_)
    w.raw(e);
  w.end_array();
  w.end_object();
  promise_.deliver(w.take());
}

} // namespace flux
