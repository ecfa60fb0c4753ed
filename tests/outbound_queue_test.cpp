// The outbound queue: a byte budget, small frames merged into one batch,
// and the batch buffer reused once the socket let go of it.
#include <doctest/doctest.h>

#include <cstddef>
#include <string>

#include "sessions/outbound_queue.hpp"
#include "wire/frame.hpp"

using namespace flux;

TEST_CASE("outbound_queue bounds bytes and merges small frames into a batch") {
  outbound_queue q{100};
  CHECK(q.push(make_frame(R"({"a":1})")));
  CHECK(q.push(make_frame(R"({"b":2})")));
  CHECK(q.push(make_frame(R"({"c":3})")));
  CHECK(q.bytes() == 21);
  CHECK_FALSE(q.push(make_frame(std::string(80, 'x'))));
  CHECK(q.size() == 3);
  size_t n = 0;
  auto batch = q.take(1024, n);
  CHECK(n == 3);
  CHECK(*batch == R"([{"a":1},{"b":2},{"c":3}])");
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("outbound_queue sends a lone frame without copying it and respects "
          "the batch limit") {
  outbound_queue q{1000};
  auto f = make_frame(R"({"a":1})");
  q.push(f);
  size_t n = 0;
  auto out = q.take(1024, n);
  CHECK(n == 1);
  CHECK(out.get() == f.get());
  for (int i = 0; i < 5; ++i)
    q.push(make_frame(std::string(10, 'x')));
  auto b = q.take(25, n); // "[" + 10 + "," + 10 + "]" = 23 fits, 3 would not
  CHECK(n == 2);
  CHECK(b->size() == 23);
  CHECK(q.size() == 3);
}

TEST_CASE("outbound_queue reuses its batch buffer once the socket let go") {
  outbound_queue q{1000};
  size_t n = 0;
  for (int i = 0; i < 3; ++i)
    q.push(make_frame(R"({"a":1})"));
  auto first = q.take(1024, n);
  REQUIRE(n == 3);
  const void* buffer = first.get();
  for (int i = 0; i < 2; ++i)
    q.push(make_frame(R"({"b":2})"));
  // Still being written: a new buffer, the first one stays intact.
  auto second = q.take(1024, n);
  CHECK(second.get() != buffer);
  CHECK(*first == R"([{"a":1},{"a":1},{"a":1}])");
  CHECK(*second == R"([{"b":2},{"b":2}])");
  const void* reusable = second.get();
  first.reset();
  second.reset(); // the socket is done with both
  for (int i = 0; i < 2; ++i)
    q.push(make_frame(R"({"c":3})"));
  auto third = q.take(1024, n);
  CHECK(*third == R"([{"c":3},{"c":3}])");
  CHECK(third.get() == reusable); // no allocation for this batch
}
