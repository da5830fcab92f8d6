// store::transport on the simulator's env: hosts on one SimNetwork, each
// test bounded in frames and virtual time. The cases follow what TiKV's
// RaftClient promises (tikv src/server/raft_client.rs): frames of one
// destination arrive in order with the sender's identity; a full queue and
// a down destination drop (counted) instead of parking the sender; connect
// failures back off exponentially and recover once the destination is up;
// a connection broken by a partition longer than the stream timeout is
// replaced; a malformed stream closes only its own connection; Close (and a
// crash) leaves no fibre behind.
#include "store/transport/transport.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "sim/simulation/simulation.h"

namespace store::transport {
namespace {

using core::base::Duration;
using core::base::Instant;
using sim::ProcessId;

struct Received {
  Address from;
  std::string frame;
  Instant at;
};

// Frame i of a sender: "<prefix>-<i>" padded by `pad` bytes.
std::string Numbered(const std::string& prefix, int i, size_t pad = 0) {
  return prefix + "-" + std::to_string(i) + std::string(pad, '.');
}
int NumberOf(const std::string& frame) {
  const size_t dash = frame.find('-');
  return std::stoi(frame.substr(dash + 1));
}

class TransportTest : public ::testing::Test {
 protected:
  ProcessId AddHost(const std::string& host) {
    return sim_.AddNode({.host = host});
  }
  sim::SimLoop& loop() { return sim_.loop(); }
  core::env::Executor& executor(ProcessId p) { return loop().executor(p); }

  std::unique_ptr<Transport> NewTransport(ProcessId p, Address local,
                                          TransportOptions options = {}) {
    options.local_address = std::move(local);
    return std::make_unique<Transport>(executor(p), loop().clock(p),
                                       sim_.network().endpoint(p), options);
  }
  // A server at `address` whose frames land in `into`, stamped.
  std::unique_ptr<TransportServer> Serve(ProcessId p, const Address& address,
                                         std::vector<Received>* into) {
    auto server = TransportServer::Start(
        executor(p), sim_.network().endpoint(p), {.listen_address = address},
        [this, into](const Address& from, std::string frame) {
          into->push_back({from, std::move(frame), loop().Now()});
        });
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }
  // Sends `count` numbered frames from a fibre of `p`, one every `every`.
  void SendEvery(ProcessId p, Transport& transport, Address to,
                 std::string prefix, int count, Duration every,
                 size_t pad = 0) {
    executor(p).Spawn("test-sender",
                      [this, p, &transport, to, prefix, count, every, pad] {
                        for (int i = 0; i < count; ++i) {
                          (void)transport.Send(to, Numbered(prefix, i, pad));
                          executor(p).SleepFor(every);
                        }
                      });
  }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 11}};
};

// Frames from one sender arrive in order; frames of two senders are told
// apart by their hellos. Some frames exceed the network's segment size, so
// the reader sees them split across reads.
TEST_F(TransportTest, DeliversInOrderWithTheSendersIdentity) {
  const ProcessId a = AddHost("a"), b = AddHost("b"), c = AddHost("c");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  auto from_a = NewTransport(a, "a:1");
  auto from_c = NewTransport(c, "c:1");
  SendEvery(a, *from_a, "b:1", "a", 200, Duration::Milliseconds(3), 40000);
  SendEvery(c, *from_c, "b:1", "c", 200, Duration::Milliseconds(2));
  loop().RunFor(Duration::Seconds(2));

  std::map<Address, std::vector<int>> numbers;
  for (const Received& r : received) {
    EXPECT_EQ(r.frame.substr(0, 1) + ":1", r.from) << "identity from hello";
    numbers[r.from].push_back(NumberOf(r.frame));
  }
  std::vector<int> expected;
  for (int i = 0; i < 200; ++i) expected.push_back(i);
  EXPECT_EQ(numbers["a:1"], expected);
  EXPECT_EQ(numbers["c:1"], expected);
  EXPECT_EQ(from_a->stats().sent, 200u);
  EXPECT_EQ(from_a->stats().dropped(), 0u);
  EXPECT_EQ(from_a->stats().connects, 1u);
  EXPECT_EQ(server->stats().accepted, 2u);
  EXPECT_EQ(server->stats().frames_received, 400u);
}

// Send never parks: past the queue's capacity it returns false and counts
// the drop; what was queued is delivered.
TEST_F(TransportTest, QueueFullDropsAreCounted) {
  const ProcessId a = AddHost("a"), b = AddHost("b");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  auto transport = NewTransport(a, "a:1", {.queue_capacity_frames = 4});
  std::vector<bool> accepted;
  executor(a).Spawn("burst", [&] {
    for (int i = 0; i < 10; ++i) {
      accepted.push_back(transport->Send("b:1", Numbered("a", i)));
    }
  });
  loop().RunFor(Duration::Seconds(1));

  EXPECT_EQ(accepted, std::vector<bool>({true, true, true, true, false, false,
                                         false, false, false, false}));
  EXPECT_EQ(transport->stats().dropped_queue_full, 6u);
  EXPECT_EQ(transport->stats().sent, 4u);
  ASSERT_EQ(received.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(received[i].frame, Numbered("a", i));

  EXPECT_FALSE(
      transport->Send("b:1", std::string(kDefaultMaxFrameBytes + 1, 'x')));
  EXPECT_EQ(transport->stats().dropped_too_large, 1u);
}

// Nobody listens at the destination for 3 s: connects are refused, and the
// retries back off exponentially (50 ms doubling to 800 ms: a handful of
// attempts, not one per frame), dropping what was queued. Once the server
// is up, delivery resumes within one maximal backoff, in order.
TEST_F(TransportTest, DestinationDownBacksOffThenDelivers) {
  const ProcessId a = AddHost("a"), b = AddHost("b");
  auto transport = NewTransport(a, "a:1",
                                {.backoff_initial = Duration::Milliseconds(50),
                                 .backoff_max = Duration::Milliseconds(800)});
  SendEvery(a, *transport, "b:1", "a", 250, Duration::Milliseconds(20));
  loop().RunFor(Duration::Seconds(3));
  const TransportStats down = transport->stats();
  // 50+100+200+400+800+800+... ms of backoff in 3 s: 6 or 7 attempts.
  EXPECT_GE(down.connect_failures, 5u);
  EXPECT_LE(down.connect_failures, 8u);
  EXPECT_EQ(down.connects, 0u);
  EXPECT_EQ(down.sent, 0u);
  EXPECT_GE(down.dropped_connection_down, 140u);

  std::vector<Received> received;
  const Instant up_at = loop().Now();
  auto server = Serve(b, "b:1", &received);
  loop().RunFor(Duration::Seconds(3));
  ASSERT_FALSE(received.empty());
  EXPECT_LE(received.front().at - up_at, Duration::Milliseconds(850));
  EXPECT_EQ(NumberOf(received.back().frame), 249) << "the last frame arrived";
  for (size_t i = 1; i < received.size(); ++i) {
    EXPECT_LT(NumberOf(received[i - 1].frame), NumberOf(received[i].frame));
  }
  const TransportStats after = transport->stats();
  EXPECT_EQ(after.connects, 1u);
  EXPECT_EQ(after.sent, received.size());
  EXPECT_EQ(after.sent + after.dropped(), 250u) << "every frame accounted for";
}

// A partition longer than the stream timeout breaks the connection: the
// frames written into it meanwhile are lost, the Write after the break
// fails (dropped), reconnecting times out while the partition lasts (backed
// off), and after the heal a new connection carries the rest in order. The
// receiver's reader of the broken connection ends.
TEST_F(TransportTest, PartitionLongerThanStreamTimeoutReconnectsAndResumes) {
  const ProcessId a = AddHost("a"), b = AddHost("b");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  auto transport = NewTransport(a, "a:1");
  SendEvery(a, *transport, "b:1", "a", 320, Duration::Milliseconds(50));
  loop().RunFor(Duration::Seconds(1));
  ASSERT_FALSE(received.empty());
  const size_t before_partition = received.size();
  sim_.network().Partition({{a}, {b}});
  loop().RunFor(sim_.network().options().stream_timeout + Duration::Seconds(2));
  EXPECT_EQ(received.size(), before_partition) << "nothing crosses";
  const Instant healed_at = loop().Now();
  sim_.network().Heal();
  loop().RunFor(Duration::Seconds(4));

  const TransportStats stats = transport->stats();
  EXPECT_EQ(stats.connects, 2u);
  EXPECT_GE(stats.connect_failures, 1u) << "reconnects timed out meanwhile";
  EXPECT_GE(stats.dropped_connection_down, 1u);
  ASSERT_GT(received.size(), before_partition);
  EXPECT_LE(received[before_partition].at - healed_at, Duration::Seconds(2));
  EXPECT_EQ(NumberOf(received.back().frame), 319);
  for (size_t i = 1; i < received.size(); ++i) {
    EXPECT_LT(NumberOf(received[i - 1].frame), NumberOf(received[i].frame));
  }
  EXPECT_EQ(server->stats().accepted, 2u);
  EXPECT_EQ(server->live_fibres(), 2) << "accept + the new connection's reader";
}

// Two raw connections misbehave (an oversized frame after a good hello; no
// hello at all): the server closes each of them, says why, and keeps
// delivering a well-behaved sender's frames on its own connection.
TEST_F(TransportTest, MalformedStreamClosesOnlyThatConnection) {
  const ProcessId a = AddHost("a"), b = AddHost("b"), c = AddHost("c");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  auto transport = NewTransport(a, "a:1");
  SendEvery(a, *transport, "b:1", "a", 100, Duration::Milliseconds(20));
  std::vector<std::string> outcomes;
  const auto misbehave = [&](std::string bytes) {
    auto connection =
        sim_.network().endpoint(c).Connect("b:1", Duration::Seconds(1));
    ASSERT_TRUE(connection.ok()) << connection.status();
    ASSERT_TRUE((*connection)->Write(bytes).ok());
    char buffer[16];
    auto read = (*connection)->Read(buffer, sizeof(buffer));
    outcomes.push_back(read.ok() ? "read " + std::to_string(*read)
                                 : read.status().ToString());
  };
  executor(c).Spawn("garbage", [&] {
    executor(c).SleepFor(Duration::Milliseconds(500));
    std::string oversized;
    AppendFrame(&oversized, EncodeHello("c:1"));
    core::base::PutFixed32BigEndian(&oversized, 0xffffffff);
    misbehave(oversized);
    std::string no_hello;
    AppendFrame(&no_hello, "not a hello");
    misbehave(no_hello);
  });
  loop().RunFor(Duration::Seconds(3));

  EXPECT_EQ(outcomes, std::vector<std::string>({"read 0", "read 0"}))
      << "the server closed both";
  EXPECT_EQ(server->stats().malformed, 2u);
  EXPECT_EQ(server->last_error().message(), "the first frame is not a hello");
  ASSERT_EQ(received.size(), 100u) << "the good connection is untouched";
  for (const Received& r : received) EXPECT_EQ(r.from, "a:1");
  EXPECT_EQ(transport->stats().connects, 1u);
}

TEST_F(TransportTest, OversizedFrameErrorIsClear) {
  const ProcessId b = AddHost("b"), c = AddHost("c");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  executor(c).Spawn("garbage", [&] {
    auto connection =
        sim_.network().endpoint(c).Connect("b:1", Duration::Seconds(1));
    ASSERT_TRUE(connection.ok());
    std::string bytes;
    AppendFrame(&bytes, EncodeHello("c:1"));
    core::base::PutFixed32BigEndian(&bytes, 0xffffffff);
    ASSERT_TRUE((*connection)->Write(bytes).ok());
  });
  loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(server->last_error().message(),
            "frame of 4294967295 bytes exceeds the maximum of 16777216");
  EXPECT_TRUE(received.empty());
}

// Close wakes every fibre in every state: a sender waiting for frames on a
// live connection, one backing off, one inside Connect to a partitioned
// host (the env cannot cancel that: it ends when Connect times out); the
// accept fibre and the readers. The objects are destroyed right after
// Close, before their fibres ran again: the fibres must not touch them
// (ASan checks). No frame reaches a handler after its server closed.
TEST_F(TransportTest, CloseEndsEveryFibre) {
  const ProcessId a = AddHost("a"), b = AddHost("b"), c = AddHost("c"),
                  d = AddHost("d");
  std::vector<Received> received;
  auto server = Serve(b, "b:1", &received);
  auto from_a = NewTransport(a, "a:1",
                             {.backoff_initial = Duration::Seconds(10),
                              .backoff_max = Duration::Seconds(10)});
  auto from_c = NewTransport(c, "c:1");
  sim_.network().Partition({{a, b, c}, {d}});
  SendEvery(a, *from_a, "b:1", "a", 100, Duration::Milliseconds(10));
  SendEvery(a, *from_a, "nobody:1", "x", 1, Duration::Milliseconds(10));
  SendEvery(c, *from_c, "b:1", "c", 300, Duration::Milliseconds(10));
  loop().RunFor(Duration::Milliseconds(1500));
  executor(a).Spawn("late", [&] { (void)from_a->Send("d:1", "into Connect"); });
  loop().RunFor(Duration::Milliseconds(500));
  ASSERT_EQ(loop().live_fibres(a), 3u) << "senders to b, nobody and d";
  ASSERT_EQ(from_a->live_fibres(), 3);
  ASSERT_EQ(from_a->stats().connect_failures, 1u) << "nobody: backing off";
  ASSERT_EQ(server->live_fibres(), 3) << "accept and two readers";

  server->Close();
  const size_t at_close = received.size();
  from_a->Close();
  EXPECT_FALSE(from_a->Send("b:1", "after close"));
  server.reset();
  from_a.reset();
  // Woken fibres run at this same instant: no network event is needed.
  loop().RunFor(Duration::Zero());
  EXPECT_EQ(loop().live_fibres(b), 0u);
  EXPECT_EQ(loop().live_fibres(a), 1u) << "the sender inside Connect";
  loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(loop().live_fibres(a), 0u) << "its Connect timed out";
  EXPECT_EQ(received.size(), at_close) << "nothing after Close";
  EXPECT_GE(from_c->stats().dropped_connection_down, 1u)
      << "c's connection was closed under it";
  from_c->Close();
  loop().RunFor(Duration::Seconds(5));
  EXPECT_EQ(loop().live_fibres(c), 0u);
  EXPECT_EQ(from_c->live_fibres(), 0);
}

// A receiver that crashes: its fibres are killed and its connections reset
// (the sender's next Write fails, it reconnects once the receiver is back).
struct ServerHost final : sim::ProcessState {
  std::unique_ptr<TransportServer> server;
};

TEST_F(TransportTest, ReceiverCrashAndRestartIsSurvived) {
  const ProcessId a = AddHost("a"), b = AddHost("b");
  std::vector<Received> received;
  loop().Boot(b, [&] {
    auto host = std::make_unique<ServerHost>();
    host->server = Serve(b, "b:1", &received);
    return host;
  });
  auto transport = NewTransport(a, "a:1");
  SendEvery(a, *transport, "b:1", "a", 150, Duration::Milliseconds(20));
  loop().RunFor(Duration::Seconds(1));
  loop().Crash(b);
  EXPECT_EQ(loop().live_fibres(b), 0u);
  const size_t at_crash = received.size();
  loop().RunFor(Duration::Milliseconds(500));
  EXPECT_EQ(received.size(), at_crash);
  loop().Restart(b);
  loop().RunFor(Duration::Seconds(2));

  ASSERT_GT(received.size(), at_crash);
  EXPECT_EQ(NumberOf(received.back().frame), 149);
  EXPECT_EQ(transport->stats().connects, 2u);
  EXPECT_GE(transport->stats().dropped(), 1u);
}

}  // namespace
}  // namespace store::transport
