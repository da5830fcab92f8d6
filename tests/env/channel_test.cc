// core/env's Channel<T> on the simulator's env: FIFO order across senders,
// senders parking while full, close draining then ending, and ReceiveFor
// bounded by the node's monotonic clock. (The runtime's env runs the same
// cases once it exists: the env conformance suite.)
#include "core/env/channel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine/mem_engine.h"
#include "sim/simulation/simulation.h"

namespace {

using core::base::Duration;
using core::env::Channel;

struct OneNode {
  core::engine::MemEngine engine;
  sim::Simulation sim{sim::SimulationOptions{.seed = 3}};
  sim::ProcessId node = sim.AddNode({.host = "n1"});
  core::env::Env env = sim.MakeEnv(node, engine);
};

TEST(ChannelTest, DeliversInOrderAndParksSendersWhileFull) {
  OneNode t;
  Channel<int> channel(t.env.executor, t.env.clock, 2);
  std::vector<std::string> log;
  t.env.executor.Spawn("sender", [&] {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(channel.Send(i));
      log.push_back("sent " + std::to_string(i));
    }
  });
  t.env.executor.Spawn("receiver", [&] {
    t.env.executor.SleepFor(Duration::Milliseconds(10));
    log.push_back("woke with " + std::to_string(channel.size()));
    for (int i = 0; i < 5; ++i) {
      auto value = channel.Receive();
      ASSERT_TRUE(value.has_value());
      EXPECT_EQ(*value, i);
    }
  });
  t.sim.loop().RunFor(Duration::Seconds(1));
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[0], "sent 0");
  EXPECT_EQ(log[1], "sent 1");
  EXPECT_EQ(log[2], "woke with 2") << "the third send parked while full";
  EXPECT_EQ(log.size(), 6u);
  EXPECT_FALSE(channel.TrySend(7) && channel.TrySend(8) && channel.TrySend(9));
}

TEST(ChannelTest, CloseDrainsThenEndsAndFailsParkedSenders) {
  OneNode t;
  Channel<std::string> channel(t.env.executor, t.env.clock, 1);
  bool parked_send_result = true;
  std::vector<std::string> received;
  bool ended = false;
  t.env.executor.Spawn("sender", [&] {
    ASSERT_TRUE(channel.Send("a"));
    parked_send_result = channel.Send("b");  // parks: full
  });
  t.env.executor.Spawn("closer", [&] {
    t.env.executor.SleepFor(Duration::Milliseconds(5));
    channel.Close();
    channel.Close();  // idempotent
    EXPECT_FALSE(channel.Send("c"));
    while (auto value = channel.Receive()) received.push_back(*value);
    ended = true;
  });
  t.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_FALSE(parked_send_result);
  EXPECT_EQ(received, std::vector<std::string>{"a"});
  EXPECT_TRUE(ended);
}

TEST(ChannelTest, ReceiveForTimesOutOnTheNodesClock) {
  OneNode t;
  Channel<int> channel(t.env.executor, t.env.clock, 4);
  absl::StatusCode first = absl::StatusCode::kOk;
  int second = -1;
  Duration waited;
  t.env.executor.Spawn("receiver", [&] {
    const auto start = t.env.clock.NowMonotonic();
    first = channel.ReceiveFor(Duration::Milliseconds(30)).status().code();
    waited = t.env.clock.NowMonotonic() - start;
    auto value = channel.ReceiveFor(Duration::Seconds(5));
    if (value.ok()) second = *value;
    EXPECT_EQ(channel.ReceiveFor(Duration::Zero()).status().code(),
              absl::StatusCode::kDeadlineExceeded)
        << "a zero timeout polls";
    channel.Close();
    EXPECT_EQ(channel.ReceiveFor(Duration::Seconds(1)).status().code(),
              absl::StatusCode::kCancelled);
  });
  t.env.executor.Spawn("late sender", [&] {
    t.env.executor.SleepFor(Duration::Milliseconds(100));
    EXPECT_TRUE(channel.TrySend(42));
  });
  t.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(first, absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(waited, Duration::Milliseconds(30));
  EXPECT_LT(waited, Duration::Milliseconds(100));
  EXPECT_EQ(second, 42);
}

TEST(ChannelDeathTest, ZeroCapacityIsABug) {
  OneNode t;
  EXPECT_DEATH(Channel<int>(t.env.executor, t.env.clock, 0), "at least one");
}

}  // namespace
