// SimNetwork streams: ordered reliable bytes under arbitrary segmenting,
// refusal and connect timeouts, partitions that stall (and heal without
// loss) or break past the stream timeout, crash resets, close semantics and
// flow control.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "sim/network/sim_network.h"
#include "sim/network/stream_order_workload.h"

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::env::Connection;

class StreamCluster {
 public:
  StreamCluster(int n, const NetworkOptions& options, uint64_t seed = 1)
      : loop_(LoopOptions(seed)), network_(loop_, options) {
    for (int i = 0; i < n; ++i) {
      const ProcessId p = loop_.AddProcess({});
      network_.Attach(p, "n" + std::to_string(p));
    }
  }
  ~StreamCluster() { loop_.Shutdown(); }
  SimLoop& loop() { return loop_; }
  SimNetwork& network() { return network_; }
  core::env::Executor& executor(ProcessId p) { return loop_.executor(p); }
  core::env::Network& net(ProcessId p) { return network_.endpoint(p); }

 private:
  static SimLoopOptions LoopOptions(uint64_t seed) {
    SimLoopOptions options;
    options.seed = seed;
    return options;
  }
  SimLoop loop_;
  SimNetwork network_;
};

NetworkOptions Quiet() {
  NetworkOptions options;
  options.slow_probability = 0;
  return options;
}

// Reads until `count` bytes arrived or the stream ends/fails.
absl::Status ReadExactly(Connection& conn, size_t count, std::string* out,
                         size_t chunk) {
  std::vector<char> buffer(chunk);
  while (out->size() < count) {
    absl::StatusOr<size_t> n = conn.Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::OutOfRangeError("end of stream");
    out->append(buffer.data(), *n);
  }
  return absl::OkStatus();
}

std::string Pattern(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  return bytes;
}

// Ref: core/env/network.h, Connection: a reliable, ordered byte stream.
TEST(StreamTest, BytesArriveInOrderWhateverTheSegmenting) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const StreamOrderResult result = RunStreamOrderWorkload(seed);
    EXPECT_TRUE(result.connected);
    EXPECT_EQ(result.bytes_received, 200'000u);
    EXPECT_TRUE(result.in_order) << "byte stream reordered, seed " << seed;
  }
}

TEST(StreamTest, ConnectWithoutListenerIsRefused) {
  StreamCluster cluster(2, Quiet());
  absl::Status refused, no_host;
  Instant refused_at;
  cluster.executor(0).Spawn("client", [&] {
    refused = cluster.net(0).Connect("n1:1", Duration::Seconds(5)).status();
    refused_at = cluster.loop().Now();
    no_host =
        cluster.net(0).Connect("nowhere:1", Duration::Seconds(5)).status();
  });
  cluster.loop().Run();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(refused_at, Instant() + Duration::Milliseconds(100))
      << "refused after a round trip, not a timeout";
  EXPECT_EQ(no_host.code(), absl::StatusCode::kUnavailable);
}

TEST(StreamTest, ConnectAcrossAPartitionTimesOut) {
  StreamCluster cluster(2, Quiet());
  auto listener = *cluster.net(1).Listen("n1:20160");
  cluster.network().Partition({{0}, {1}});
  absl::Status status;
  Instant failed_at;
  cluster.executor(0).Spawn("client", [&] {
    status = cluster.net(0).Connect("n1:20160", Duration::Seconds(3)).status();
    failed_at = cluster.loop().Now();
  });
  cluster.loop().RunFor(Duration::Seconds(10));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(failed_at, Instant() + Duration::Seconds(3));
}

// Connects n0 -> n1:20160 and hands both ends to the test.
struct Pair {
  std::unique_ptr<core::env::Listener> listener;
  std::unique_ptr<Connection> client;
  std::unique_ptr<Connection> server;
};

void Establish(StreamCluster& cluster, Pair& pair) {
  pair.listener = *cluster.net(1).Listen("n1:20160");
  cluster.executor(1).Spawn("accept",
                            [&] { pair.server = *pair.listener->Accept(); });
  cluster.executor(0).Spawn("connect", [&] {
    pair.client = *cluster.net(0).Connect("n1:20160", Duration::Seconds(1));
  });
  cluster.loop().RunFor(Duration::Milliseconds(100));
  CHECK(pair.client != nullptr && pair.server != nullptr);
}

TEST(StreamPartitionTest, AShortPartitionStallsThenDeliversEverything) {
  StreamCluster cluster(2, Quiet());
  Pair pair;
  Establish(cluster, pair);
  std::string received;
  Instant done_at;
  cluster.executor(1).Spawn("reader", [&] {
    ASSERT_TRUE(ReadExactly(*pair.server, 3000, &received, 64).ok());
    done_at = cluster.loop().Now();
  });
  cluster.network().Partition({{0}, {1}});
  cluster.executor(0).Spawn(
      "writer", [&] { ASSERT_TRUE(pair.client->Write(Pattern(3000)).ok()); });
  cluster.loop().RunFor(Duration::Seconds(2));
  EXPECT_TRUE(received.empty()) << "nothing crosses the partition";
  cluster.network().Heal();
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(received, Pattern(3000));
  EXPECT_GT(done_at, Instant() + Duration::Seconds(2));
  EXPECT_GT(cluster.network().stats().segments_stalled, 0u);
}

TEST(StreamPartitionTest, AOneWayBlockStallsOnlyThatDirection) {
  StreamCluster cluster(2, Quiet());
  Pair pair;
  Establish(cluster, pair);
  cluster.network().Block(0, 1);
  std::string at_server, at_client;
  cluster.executor(1).Spawn("server", [&] {
    ASSERT_TRUE(pair.server->Write("pong").ok());
    (void)ReadExactly(*pair.server, 4, &at_server, 16);
  });
  cluster.executor(0).Spawn("client", [&] {
    ASSERT_TRUE(pair.client->Write("ping").ok());
    ASSERT_TRUE(ReadExactly(*pair.client, 4, &at_client, 16).ok());
  });
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(at_client, "pong");
  EXPECT_EQ(at_server, "");
}

TEST(StreamPartitionTest, APartitionPastTheTimeoutBreaksBothEnds) {
  NetworkOptions options = Quiet();
  options.stream_timeout = Duration::Seconds(5);
  StreamCluster cluster(2, options);
  Pair pair;
  Establish(cluster, pair);
  absl::Status client_read, server_read, client_write;
  cluster.executor(1).Spawn("server", [&] {
    char byte;
    server_read = pair.server->Read(&byte, 1).status();
  });
  cluster.executor(0).Spawn("client", [&] {
    ASSERT_TRUE(pair.client->Write("hello").ok());
    char byte;
    client_read = pair.client->Read(&byte, 1).status();
    client_write = pair.client->Write("more");
  });
  cluster.network().Partition({{1}, {0}});
  cluster.loop().RunFor(Duration::Seconds(4));
  EXPECT_TRUE(server_read.ok()) << "still stalled, not yet broken";
  cluster.loop().RunFor(Duration::Seconds(3));
  EXPECT_EQ(server_read.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client_read.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client_write.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cluster.network().stats().connections_broken, 1u);
}

TEST(StreamCrashTest, CrashResetsThePeerAndTheAddressCanBeReused) {
  StreamCluster cluster(2, Quiet());
  Pair pair;
  Establish(cluster, pair);
  absl::Status client_read;
  cluster.executor(0).Spawn("client", [&] {
    char byte;
    client_read = pair.client->Read(&byte, 1).status();
  });
  cluster.executor(1).Spawn("server", [&] {
    char byte;
    (void)pair.server->Read(&byte, 1);  // Parked when the crash comes.
  });
  cluster.loop().RunFor(Duration::Milliseconds(10));
  cluster.loop().Crash(1);
  // The crashed side's objects are owned by the test here; they are inert.
  pair.server.reset();
  pair.listener.reset();
  cluster.loop().RunFor(Duration::Milliseconds(100));
  EXPECT_EQ(client_read.code(), absl::StatusCode::kUnavailable);
  cluster.loop().Restart(1);
  Pair again;
  Establish(cluster, again);  // Listen on the same address again.
  EXPECT_NE(again.client, nullptr);
}

TEST(StreamCloseTest, PeerReadsTheDataThenEndOfStream) {
  StreamCluster cluster(2, Quiet());
  Pair pair;
  Establish(cluster, pair);
  std::string received;
  absl::StatusOr<size_t> eof = 0;
  absl::Status write_after_peer_close, local_read_after_close;
  cluster.executor(0).Spawn("client", [&] {
    ASSERT_TRUE(pair.client->Write("last words").ok());
    pair.client->Close();
    char byte;
    local_read_after_close = pair.client->Read(&byte, 1).status();
  });
  cluster.executor(1).Spawn("server", [&] {
    ASSERT_TRUE(ReadExactly(*pair.server, 10, &received, 3).ok());
    char byte;
    eof = pair.server->Read(&byte, 1);
    write_after_peer_close = pair.server->Write("anyone?");
  });
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(received, "last words");
  ASSERT_TRUE(eof.ok());
  EXPECT_EQ(*eof, 0u);
  EXPECT_EQ(write_after_peer_close.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(local_read_after_close.code(), absl::StatusCode::kCancelled);
}

TEST(StreamFlowControlTest, WriterParksWhenTheWindowIsFull) {
  NetworkOptions options = Quiet();
  options.stream_window_bytes = 1000;
  StreamCluster cluster(2, options);
  Pair pair;
  Establish(cluster, pair);
  int writes_done = 0;
  cluster.executor(0).Spawn("writer", [&] {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(pair.client->Write(std::string(400, 'w')).ok());
      ++writes_done;
    }
  });
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(writes_done, 2) << "800 bytes fit, the third write waits";
  std::string drained;
  cluster.executor(1).Spawn("reader", [&] {
    ASSERT_TRUE(ReadExactly(*pair.server, 2000, &drained, 512).ok());
  });
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(writes_done, 5);
  EXPECT_EQ(drained.size(), 2000u);
}

TEST(StreamFaultTest, RandomResetsBreakConnections) {
  NetworkOptions options = Quiet();
  options.stream_break_probability = 0.05;
  StreamCluster cluster(2, options);
  Pair pair;
  Establish(cluster, pair);
  absl::Status status;
  int writes = 0;
  cluster.executor(0).Spawn("writer", [&] {
    while (status.ok()) {
      status = pair.client->Write("x");
      ++writes;
    }
  });
  cluster.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(writes, 1000);
}

}  // namespace
}  // namespace sim
