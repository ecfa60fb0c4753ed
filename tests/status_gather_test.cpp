// The status gatherer: one answer from many asks, the failed ones counted.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "actor_test_support.hpp"
#include "runtime/status_gather.hpp"

using namespace flux;
using namespace flux::tests;

namespace {

caf::behavior answers(std::string doc) {
  return {[doc](atom::status) { return doc; }};
}

// Asks each of `members` for its status; an error becomes an entry too.
caf::behavior asker(caf::event_based_actor* self,
                    std::vector<caf::actor> members) {
  return {[self, members](atom::status) {
    auto g = status_gather::make(
      self->make_response_promise<std::string>(), "actors",
      [](json::writer& w, uint64_t failed) { w.kv("failed", failed); });
    g->add_first("\"me\"");
    for (auto& m : members)
      g->ask(
        self, m, std::chrono::seconds{1},
        [](status_gather& gather, std::string& reply) { gather.add(reply); },
        [](status_gather& gather, caf::error&) { gather.add("\"lost\""); },
        atom::status_v);
    g->release();
    return caf::delegated<std::string>{};
  }};
}

} // namespace

TEST_CASE_FIXTURE(fixture, "status_gather answers once every ask is in, "
                           "failed ones counted") {
  auto a = sys.spawn(answers, std::string{"{\"n\":1}"});
  auto b = sys.spawn(answers, std::string{"{\"n\":2}"});
  auto silent = sys.spawn([]() -> caf::behavior {
    return {[](atom::status) -> caf::result<std::string> {
      return caf::delegated<std::string>{}; // never answers
    }};
  });
  auto g = sys.spawn(asker, std::vector<caf::actor>{a, b, silent});
  std::string answer;
  sys.spawn([&](caf::event_based_actor* self) {
    self->request(g, caf::infinite, atom::status_v)
      .then([&](const std::string& doc) { answer = doc; });
  });
  run();
  CHECK(answer.empty()); // `silent` has not answered yet
  advance(std::chrono::seconds{2}); // its ask times out
  CHECK(answer == "{\"failed\":1,\"actors\":[\"me\",{\"n\":1},{\"n\":2},"
                  "\"lost\"]}");
}

TEST_CASE_FIXTURE(fixture, "status_gather with nothing to ask answers at "
                           "release") {
  auto g = sys.spawn(asker, std::vector<caf::actor>{});
  std::string answer;
  sys.spawn([&](caf::event_based_actor* self) {
    self->request(g, caf::infinite, atom::status_v)
      .then([&](const std::string& doc) { answer = doc; });
  });
  run();
  CHECK(answer == "{\"failed\":0,\"actors\":[\"me\"]}");
}
