// The env conformance suite: the contract of core/env (executor, events,
// channels, streams, engine) checked on the simulator's env and on the
// runtime's, case by case. A case that fails on one of them is a break of
// the seam: fix that implementation (or the contract), never the case alone.
//
// Timing: the runtime runs on real time on a shared machine, so cases assert
// orders and lower bounds, and upper bounds only with wide slack.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/env/channel.h"
#include "tests/env/env_under_test.h"

namespace tests::env {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::env::Cf;
using core::env::Channel;
using core::env::Connection;
using core::env::Listener;
using core::env::WriteBatch;

struct Param {
  const char* name;
  EnvFactory make;
};
void PrintTo(const Param& param, std::ostream* out) { *out << param.name; }

class EnvConformanceTest : public ::testing::TestWithParam<Param> {
 protected:
  EnvConformanceTest() : t_(GetParam().make()), env_(t_->env()) {}
  // Runs `body` within a generous limit; fails the case if it hung.
  void Run(std::function<void()> body, Duration limit = Duration::Seconds(20)) {
    ASSERT_TRUE(t_->Run(std::move(body), limit)) << "the body hung";
  }
  Instant Now() { return env_.clock.NowMonotonic(); }

  std::unique_ptr<EnvUnderTest> t_;
  core::env::Env& env_;
};

// A fibre helper the body joins before returning.
class Joined {
 public:
  Joined(core::env::Executor& executor, std::function<void()> body)
      : done_(executor.NewEvent()) {
    executor.Spawn("helper", [this, body = std::move(body)] {
      body();
      done_->Notify();
    });
  }
  void Join() { done_->Wait(); }

 private:
  std::unique_ptr<core::env::Event> done_;
};

// --- Executor: timers, sleeping, yielding -----------------------------------

TEST_P(EnvConformanceTest, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  Run([&] {
    std::vector<int> fired;
    env_.executor.After(Duration::Milliseconds(30),
                        [&] { fired.push_back(30); });
    env_.executor.After(Duration::Milliseconds(10),
                        [&] { fired.push_back(10); });
    const auto cancelled = env_.executor.After(Duration::Milliseconds(20),
                                               [&] { fired.push_back(20); });
    env_.executor.After(Duration::Milliseconds(40),
                        [&] { fired.push_back(40); });
    env_.executor.Cancel(cancelled);
    env_.executor.Cancel(cancelled);  // Twice: a no-op.
    env_.executor.Cancel(987654);     // Unknown: a no-op.
    env_.executor.SleepFor(Duration::Milliseconds(80));
    EXPECT_EQ(fired, (std::vector<int>{10, 30, 40}));
  });
}

TEST_P(EnvConformanceTest, SleepForWaitsAtLeastItsDuration) {
  Run([&] {
    const Instant start = Now();
    env_.executor.SleepFor(Duration::Milliseconds(25));
    EXPECT_GE(Now() - start, Duration::Milliseconds(25));
    env_.executor.SleepFor(Duration::Zero());  // A yield.
  });
}

TEST_P(EnvConformanceTest, SpawnRunsLaterAndYieldLetsOthersRun) {
  Run([&] {
    std::vector<std::string> log;
    Joined other(env_.executor, [&] { log.push_back("other"); });
    log.push_back("spawned");
    env_.executor.Yield();
    log.push_back("resumed");
    other.Join();
    EXPECT_EQ(log, (std::vector<std::string>{"spawned", "other", "resumed"}));
  });
}

// --- Events -----------------------------------------------------------------

TEST_P(EnvConformanceTest, EventWakesEveryWaiterAndStaysSetUntilReset) {
  Run([&] {
    auto event = env_.executor.NewEvent();
    int woken = 0;
    Joined a(env_.executor, [&] {
      event->Wait();
      ++woken;
    });
    Joined b(env_.executor, [&] {
      EXPECT_TRUE(event->WaitFor(Duration::Seconds(10)));
      ++woken;
    });
    env_.executor.SleepFor(Duration::Milliseconds(5));
    EXPECT_EQ(woken, 0);
    EXPECT_FALSE(event->IsSet());
    event->Notify();
    a.Join();
    b.Join();
    EXPECT_EQ(woken, 2);
    EXPECT_TRUE(event->IsSet());
    event->Wait();  // Set: returns at once.
    event->Reset();
    EXPECT_FALSE(event->IsSet());
  });
}

TEST_P(EnvConformanceTest, EventWaitForTimesOut) {
  Run([&] {
    auto event = env_.executor.NewEvent();
    const Instant start = Now();
    EXPECT_FALSE(event->WaitFor(Duration::Milliseconds(20)));
    EXPECT_GE(Now() - start, Duration::Milliseconds(20));
  });
}

// --- Channels (core/env/channel.h over each env's Event and Clock) ----------

TEST_P(EnvConformanceTest, ChannelIsFifoAndParksSendersWhileFull) {
  Run([&] {
    Channel<int> channel(env_.executor, env_.clock, 2);
    int sent = 0;
    Joined sender(env_.executor, [&] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(channel.Send(i));
        ++sent;
      }
    });
    env_.executor.SleepFor(Duration::Milliseconds(10));
    EXPECT_EQ(sent, 2) << "the third Send parks while the channel is full";
    EXPECT_FALSE(channel.TrySend(99));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(channel.Receive(), i);
    sender.Join();
    EXPECT_EQ(channel.size(), 0u);
  });
}

TEST_P(EnvConformanceTest, ChannelCloseDrainsThenEndsAndFailsParkedSenders) {
  Run([&] {
    Channel<std::string> channel(env_.executor, env_.clock, 1);
    bool parked_send = true;
    Joined sender(env_.executor, [&] {
      EXPECT_TRUE(channel.Send("a"));
      parked_send = channel.Send("b");  // Parks: full.
    });
    env_.executor.SleepFor(Duration::Milliseconds(5));
    channel.Close();
    channel.Close();
    sender.Join();
    EXPECT_FALSE(parked_send);
    EXPECT_FALSE(channel.Send("c"));
    EXPECT_EQ(channel.Receive(), "a");
    EXPECT_EQ(channel.Receive(), std::nullopt);
    EXPECT_EQ(channel.ReceiveFor(Duration::Seconds(1)).status().code(),
              absl::StatusCode::kCancelled);
  });
}

TEST_P(EnvConformanceTest, ChannelReceiveForTimesOutThenReceives) {
  Run([&] {
    Channel<int> channel(env_.executor, env_.clock, 4);
    const Instant start = Now();
    EXPECT_EQ(channel.ReceiveFor(Duration::Milliseconds(20)).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    EXPECT_GE(Now() - start, Duration::Milliseconds(20));
    Joined late(env_.executor, [&] {
      env_.executor.SleepFor(Duration::Milliseconds(10));
      EXPECT_TRUE(channel.TrySend(42));
    });
    EXPECT_EQ(channel.ReceiveFor(Duration::Seconds(10)).value_or(-1), 42);
    late.Join();
  });
}

// --- Streams ----------------------------------------------------------------

// Reads until `want` bytes arrived or the stream ended or broke.
std::string ReadBytes(Connection& conn, size_t want) {
  std::string got;
  char buffer[64 * 1024];
  while (got.size() < want) {
    auto n = conn.Read(buffer, sizeof(buffer));
    if (!n.ok() || *n == 0) break;
    got.append(buffer, *n);
  }
  return got;
}

std::string ReadToEnd(Connection& conn) { return ReadBytes(conn, SIZE_MAX); }

class StreamTest : public EnvConformanceTest {
 protected:
  // Listens on a free port, connects to it, accepts: both ends.
  void Open() {
    auto listener = env_.network.Listen(t_->AnyPort());
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
    auto client =
        env_.network.Connect(listener_->local_address(), Duration::Seconds(5));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    auto server = listener_->Accept();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void Close() {
    if (client_) client_->Close();
    if (server_) server_->Close();
    if (listener_) listener_->Close();
  }
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Connection> client_;
  std::unique_ptr<Connection> server_;
};

TEST_P(StreamTest, ListenOnPortZeroBindsAFreePort) {
  Run([&] {
    Open();
    const std::string& address = listener_->local_address();
    EXPECT_NE(address.substr(address.rfind(':') + 1), "0") << address;
    Close();
  });
}

TEST_P(StreamTest, BytesArriveInOrderBothWays) {
  Run([&] {
    Open();
    std::string sent;
    for (int i = 0; i < 200; ++i) {
      const std::string piece = std::to_string(i) + ",";
      ASSERT_TRUE(client_->Write(piece).ok());
      sent += piece;
    }
    EXPECT_EQ(ReadBytes(*server_, sent.size()), sent);
    ASSERT_TRUE(server_->Write("back").ok());
    EXPECT_EQ(ReadBytes(*client_, 4), "back");
    Close();
  });
}

TEST_P(StreamTest, ReadReturnsWhatIsThereUpToItsCapacity) {
  Run([&] {
    Open();
    ASSERT_TRUE(client_->Write("0123456789").ok());
    char buffer[4];
    auto n = server_->Read(buffer, sizeof(buffer));
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_GE(*n, 1u);
    EXPECT_LE(*n, 4u);
    const std::string first(buffer, *n);
    EXPECT_EQ(first + ReadBytes(*server_, 10 - *n), "0123456789");
    Close();
  });
}

TEST_P(StreamTest, BigWritesArriveWholeWhileThePeerReadsSlowly) {
  Run([&] {
    Open();
    std::string big(8 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
    Joined writer(env_.executor,
                  [&] { EXPECT_TRUE(client_->Write(big).ok()); });
    env_.executor.SleepFor(Duration::Milliseconds(20));  // The writer parks.
    EXPECT_TRUE(ReadBytes(*server_, big.size()) == big);
    writer.Join();
    Close();
  });
}

TEST_P(StreamTest, PeerCloseEndsTheStreamAfterItsData) {
  Run([&] {
    Open();
    ASSERT_TRUE(server_->Write("bye").ok());
    server_->Close();
    EXPECT_EQ(ReadToEnd(*client_), "bye");
    char buffer[8];
    EXPECT_EQ(client_->Read(buffer, sizeof(buffer)).value_or(99), 0u)
        << "end of stream stays";
    // Writes to a closed peer fail with kUnavailable (perhaps not the first:
    // TCP learns of the close from the peer's reset).
    absl::Status status;
    for (int i = 0; i < 100 && status.ok(); ++i) {
      status = client_->Write("more");
      env_.executor.SleepFor(Duration::Milliseconds(2));
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    Close();
  });
}

TEST_P(StreamTest, CallsAfterCloseAreCancelled) {
  Run([&] {
    Open();
    absl::StatusCode parked_read = absl::StatusCode::kOk;
    Joined reader(env_.executor, [&] {
      char buffer[8];
      parked_read = client_->Read(buffer, sizeof(buffer)).status().code();
    });
    env_.executor.SleepFor(Duration::Milliseconds(5));
    client_->Close();
    reader.Join();
    EXPECT_EQ(parked_read, absl::StatusCode::kCancelled);
    char buffer[8];
    EXPECT_EQ(client_->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kCancelled);
    EXPECT_EQ(client_->Write("x").code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(ReadToEnd(*server_), "") << "the peer sees the end";
    Close();
  });
}

TEST_P(StreamTest, ConnectToNothingIsRefused) {
  Run([&] {
    auto conn =
        env_.network.Connect(t_->RefusingAddress(), Duration::Seconds(5));
    EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable)
        << conn.status();
  });
}

TEST_P(StreamTest, ConnectWithoutAnswerTimesOut) {
  Run([&] {
    const Instant start = Now();
    auto conn =
        env_.network.Connect(t_->SilentAddress(), Duration::Milliseconds(300));
    EXPECT_EQ(conn.status().code(), absl::StatusCode::kDeadlineExceeded)
        << conn.status();
    EXPECT_GE(Now() - start, Duration::Milliseconds(300));
    EXPECT_LT(Now() - start, Duration::Seconds(3));
  });
}

TEST_P(StreamTest, ListenerCloseCancelsAcceptAndRefusesConnects) {
  Run([&] {
    auto listener = env_.network.Listen(t_->AnyPort());
    ASSERT_TRUE(listener.ok());
    const std::string address = (*listener)->local_address();
    absl::StatusCode parked_accept = absl::StatusCode::kOk;
    Joined acceptor(env_.executor, [&] {
      parked_accept = (*listener)->Accept().status().code();
    });
    env_.executor.SleepFor(Duration::Milliseconds(5));
    (*listener)->Close();
    acceptor.Join();
    EXPECT_EQ(parked_accept, absl::StatusCode::kCancelled);
    EXPECT_EQ((*listener)->Accept().status().code(),
              absl::StatusCode::kCancelled);
    EXPECT_EQ(
        env_.network.Connect(address, Duration::Seconds(5)).status().code(),
        absl::StatusCode::kUnavailable);
  });
}

// --- Engine -----------------------------------------------------------------

TEST_P(EnvConformanceTest, EngineWritesReadsSyncsAndSnapshots) {
  Run([&] {
    core::env::Engine& engine = env_.engine;
    WriteBatch batch;
    batch.Put(Cf::kDefault, "a", "1");
    batch.Put(Cf::kWrite, "a", "w");
    ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
    auto snapshot = engine.NewSnapshot();
    WriteBatch later;
    later.Put(Cf::kDefault, "a", "2");
    later.Delete(Cf::kWrite, "a");
    ASSERT_TRUE(engine.Write(later, {.sync = false}).ok());
    ASSERT_TRUE(engine.Sync().ok());
    EXPECT_EQ(engine.Get(Cf::kDefault, "a").value(), "2");
    EXPECT_EQ(engine.Get(Cf::kWrite, "a").value(), std::nullopt);
    EXPECT_EQ(engine.Get(Cf::kLock, "a").value(), std::nullopt);
    EXPECT_EQ(snapshot->Get(Cf::kDefault, "a").value(), "1");
    EXPECT_EQ(snapshot->Get(Cf::kWrite, "a").value(), "w");
  });
}

TEST_P(EnvConformanceTest, EngineIteratesInKeyOrderWithinBounds) {
  Run([&] {
    WriteBatch batch;
    for (const char* key : {"d", "b", "a", "e", "c"}) {
      batch.Put(Cf::kDefault, key, std::string("v") + key);
    }
    batch.DeleteRange(Cf::kDefault, "c", "d");
    ASSERT_TRUE(env_.engine.Write(batch, {.sync = true}).ok());
    auto it = env_.engine.NewSnapshot()->NewIterator(
        Cf::kDefault, {.lower_bound = "b", .upper_bound = "e"});
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.emplace_back(it->key());
    }
    EXPECT_TRUE(it->status().ok());
    EXPECT_EQ(keys, (std::vector<std::string>{"b", "d"}));
    it->SeekForPrev("z");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "d");
    EXPECT_EQ(it->value(), "vd");
    auto size = env_.engine.ApproximateSize(Cf::kDefault, "a", "");
    ASSERT_TRUE(size.ok());
    EXPECT_LE(size->keys, 6u);
  });
}

const Param kEnvs[] = {{"sim", MakeSimEnv}, {"runtime", MakeRuntimeEnv}};
std::string EnvName(const ::testing::TestParamInfo<Param>& info) {
  return info.param.name;
}
INSTANTIATE_TEST_SUITE_P(Envs, EnvConformanceTest, ::testing::ValuesIn(kEnvs),
                         EnvName);
INSTANTIATE_TEST_SUITE_P(Envs, StreamTest, ::testing::ValuesIn(kEnvs), EnvName);

}  // namespace
}  // namespace tests::env
