// The ID allocator hands out ids only from durable windows and never reuses
// one across failover.
// Ref: PD pkg/id/id.go.
#include "pd/core/id/id_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/base/prng.h"

namespace pd::id {
namespace {

TEST(IdAllocatorTest, WaitsForTheFirstWindow) {
  IdAllocator ids({.step = 10, .refill_below = 3});
  EXPECT_TRUE(std::holds_alternative<NotLeader>(ids.Alloc().error()));
  ids.BecomeLeader(100);
  EXPECT_TRUE(std::holds_alternative<WindowExhausted>(ids.Alloc().error()));
  auto request = ids.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->end, 110u);
  ids.OnPersisted(*request);
  EXPECT_EQ(ids.Alloc().value(), 101u);
  EXPECT_EQ(ids.Alloc().value(), 102u);
}

TEST(IdAllocatorTest, RefillsAheadAndStopsAtTheDurableEnd) {
  IdAllocator ids({.step = 10, .refill_below = 3});
  ids.BecomeLeader(0);
  ids.OnPersisted(*ids.TakePersistRequest());
  for (uint64_t expected = 1; expected <= 7; ++expected) {
    EXPECT_EQ(ids.Alloc().value(), expected);
  }
  EXPECT_FALSE(ids.TakePersistRequest().has_value());
  EXPECT_EQ(ids.Alloc().value(), 8u);  // 2 left: refill requested
  auto request = ids.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->end, 20u);
  EXPECT_EQ(ids.Alloc().value(), 9u);
  EXPECT_EQ(ids.Alloc().value(), 10u);
  EXPECT_FALSE(ids.Alloc().ok());  // not durable yet
  ids.OnPersisted(*request);
  EXPECT_EQ(ids.Alloc().value(), 11u);
}

// Seeded failover walk: ids handed out are unique and increasing, whatever
// writes are lost and whenever leadership moves.
TEST(IdAllocatorTest, NeverReusesIdsAcrossFailover) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    core::base::Prng prng(seed);
    IdAllocator nodes[2] = {IdAllocator({.step = 8, .refill_below = 3}),
                            IdAllocator({.step = 8, .refill_below = 3})};
    uint64_t storage_end = 0;
    int leader = 0;
    nodes[leader].BecomeLeader(storage_end);
    std::optional<IdPersistRequest> in_flight;
    uint64_t last = 0;
    int handed_out = 0;
    for (int step = 0; step < 2000; ++step) {
      if (!in_flight) in_flight = nodes[leader].TakePersistRequest();
      const uint64_t action = prng.Uniform(10);
      if (action < 5) {
        auto id = nodes[leader].Alloc();
        if (id.ok()) {
          ASSERT_GT(id.value(), last) << "seed " << seed;
          last = id.value();
          ++handed_out;
        }
      } else if (action < 8 && in_flight) {
        if (prng.OneIn(5)) {
          nodes[leader].OnPersistFailed(*in_flight);
        } else {
          storage_end = std::max(storage_end, in_flight->end);
          nodes[leader].OnPersisted(*in_flight);
        }
        in_flight.reset();
      } else if (action == 9) {
        nodes[leader].StepDown();
        in_flight.reset();  // the old leadership's write fails
        leader = static_cast<int>(prng.Uniform(2));
        nodes[leader].BecomeLeader(storage_end);
      }
    }
    EXPECT_GT(handed_out, 200) << "seed " << seed;
  }
}

}  // namespace
}  // namespace pd::id
