// Hosts: a crash kills the process and its disk keeps exactly what was
// synced (plus a prefix of the unsynced batches, each whole); a restart
// rebuilds the driver from that disk through the factory; the observer
// hears every crash and restart; lost hosts never come back; a halted node
// is crashed at once and restarted by the supervisor; RecoverAll ends every
// pause and fault window and restarts every host that is down.
#include "sim/host/hosts.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sim::host {
namespace {

using core::base::Duration;
using core::env::Cf;
using core::env::WriteBatch;

// A driver that records what it found on its disk when it came up.
struct Driver final : ProcessState {
  explicit Driver(std::optional<std::string> found) : found(std::move(found)) {}
  std::optional<std::string> found;
};

class Recorder final : public HostObserver {
 public:
  explicit Recorder(Hosts& hosts) : hosts_(hosts) {}
  void BeforeCrash(int host) override {
    events.push_back("before-crash " + std::to_string(host) +
                     (hosts_.state(host) != nullptr ? " (driver alive)" : ""));
  }
  void AfterCrash(int host) override {
    events.push_back("after-crash " + std::to_string(host));
  }
  void AfterRestart(int host) override {
    events.push_back("after-restart " + std::to_string(host));
  }
  std::vector<std::string> events;

 private:
  Hosts& hosts_;
};

struct Fixture {
  explicit Fixture(int n, uint64_t seed = 1)
      : sim(SimulationOptions{.seed = seed}), hosts(sim, seed) {
    for (int i = 1; i <= n; ++i) {
      hosts.Add({.name = "n" + std::to_string(i)});
      hosts.Boot(i, [this](int host) -> std::unique_ptr<ProcessState> {
        ++boots;
        if (fail_boot) return nullptr;
        auto found = hosts.disk(host).Get(Cf::kDefault, "k");
        return std::make_unique<Driver>(found.ok() ? *found : std::nullopt);
      });
    }
  }
  ~Fixture() { sim.loop().Shutdown(); }

  void Put(int host, const std::string& key, const std::string& value,
           bool sync) {
    WriteBatch batch;
    batch.Put(Cf::kDefault, key, value);
    ASSERT_TRUE(hosts.disk(host).Write(batch, {.sync = sync}).ok());
  }
  std::optional<std::string> Get(int host, const std::string& key) {
    auto value = hosts.disk(host).Get(Cf::kDefault, key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  }
  const Driver* driver(int host) {
    return static_cast<const Driver*>(hosts.state(host));
  }

  Simulation sim;
  Hosts hosts;
  int boots = 0;
  bool fail_boot = false;
};

TEST(HostsTest, CrashKeepsWhatWasSyncedAndRestartRebuildsFromTheDisk) {
  Fixture f(1);
  ASSERT_NE(f.driver(1), nullptr);
  EXPECT_EQ(f.driver(1)->found, std::nullopt);
  f.Put(1, "k", "synced", /*sync=*/true);
  f.hosts.Crash(1, "test");
  EXPECT_FALSE(f.hosts.IsUp(1));
  EXPECT_EQ(f.hosts.state(1), nullptr);
  EXPECT_EQ(f.Get(1, "k"), "synced");
  f.hosts.Restart(1);
  ASSERT_TRUE(f.hosts.IsUp(1));
  EXPECT_EQ(f.boots, 2) << "the factory runs again at restart";
  EXPECT_EQ(f.driver(1)->found, "synced") << "the new driver reads the disk";
  EXPECT_EQ(f.hosts.crashes(), 1u);
}

// Over many disk seeds: synced writes always survive; of the unsynced
// batches that follow, what survives is a prefix (each batch whole), and
// both "none" and "some" happen.
TEST(HostsTest, UnsyncedWritesSurviveOnlyAsAPrefix) {
  int all_lost = 0, some_kept = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Fixture f(1, seed);
    f.Put(1, "synced", "1", /*sync=*/true);
    for (int i = 0; i < 4; ++i) {
      WriteBatch batch;  // One batch, two keys: survives whole or not at all.
      batch.Put(Cf::kDefault, "a" + std::to_string(i), "x");
      batch.Put(Cf::kDefault, "b" + std::to_string(i), "x");
      ASSERT_TRUE(f.hosts.disk(1).Write(batch, {.sync = false}).ok());
    }
    f.hosts.Crash(1, "test");
    EXPECT_EQ(f.Get(1, "synced"), "1") << "seed " << seed;
    int kept = 0;
    bool gap = false;
    for (int i = 0; i < 4; ++i) {
      const bool a = f.Get(1, "a" + std::to_string(i)).has_value();
      EXPECT_EQ(a, f.Get(1, "b" + std::to_string(i)).has_value())
          << "seed " << seed << ": batch " << i << " torn";
      if (a) {
        EXPECT_FALSE(gap) << "seed " << seed << ": not a prefix";
        ++kept;
      } else {
        gap = true;
      }
    }
    (kept == 0 ? all_lost : some_kept)++;
  }
  EXPECT_GT(all_lost, 0);
  EXPECT_GT(some_kept, 0);
}

TEST(HostsTest, TheObserverHearsEveryCrashAndRestart) {
  Fixture f(2);
  Recorder recorder(f.hosts);
  f.hosts.set_observer(&recorder);
  f.hosts.Crash(2, "test");
  f.hosts.Crash(2, "again");  // Down already: a no-op.
  f.hosts.Restart(2);
  f.hosts.Restart(2);  // Up already: a no-op.
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"before-crash 2 (driver alive)",
                                      "after-crash 2", "after-restart 2"}));
  EXPECT_EQ(f.hosts.crashes(), 1u);
}

TEST(HostsTest, LostHostsNeverRestart) {
  Fixture f(2);
  f.hosts.Crash(1, "test");
  f.hosts.MarkLost(1);
  f.hosts.Restart(1);
  f.hosts.RestartAfter(1, Duration::Milliseconds(10));
  f.sim.loop().RunFor(Duration::Milliseconds(50));
  f.hosts.RecoverAll();
  EXPECT_FALSE(f.hosts.IsUp(1));
  EXPECT_EQ(f.hosts.lost_count(), 1);
  EXPECT_TRUE(f.hosts.IsUp(2));
}

TEST(HostsTest, AHaltedNodeIsCrashedAtOnceAndRestartedBySupervisor) {
  Fixture f(1);
  f.hosts.Halt(1, absl::InternalError("fail-stop"), /*lost=*/false);
  f.sim.loop().RunFor(Duration::Microseconds(1));
  EXPECT_EQ(f.hosts.crashes(), 1u);
  f.sim.loop().RunFor(Duration::Milliseconds(600));
  EXPECT_TRUE(f.hosts.IsUp(1)) << "restarted within 500 ms";
  EXPECT_EQ(f.hosts.halts(), 1u);
  f.hosts.Halt(1, absl::DataLossError("corrupt"), /*lost=*/true);
  f.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_FALSE(f.hosts.IsUp(1));
  EXPECT_TRUE(f.hosts.lost(1));
}

TEST(HostsTest, AFailedBootIsRetriedByRestartAfter) {
  Fixture f(1);
  f.hosts.Crash(1, "test");
  f.fail_boot = true;
  f.hosts.Restart(1);
  EXPECT_TRUE(f.hosts.IsUp(1));
  EXPECT_EQ(f.hosts.state(1), nullptr) << "up without a driver";
  f.fail_boot = false;
  f.hosts.RestartAfter(1, Duration::Milliseconds(10));
  f.sim.loop().RunFor(Duration::Milliseconds(20));
  EXPECT_NE(f.hosts.state(1), nullptr);
  EXPECT_EQ(f.hosts.crashes(), 2u) << "the driverless host was crashed first";
}

TEST(HostsTest, RecoverAllEndsPausesAndFaultWindowsAndRestartsTheDown) {
  Fixture f(3);
  f.hosts.Pause(1, Duration::Seconds(100));
  f.hosts.Crash(2, "test");
  f.hosts.disk(3).OpenFaultWindow(f.sim.loop().Now() + Duration::Seconds(100),
                                  1.0);
  WriteBatch batch;
  batch.Put(Cf::kDefault, "k", "v");
  EXPECT_FALSE(f.hosts.disk(3).Write(batch, {}).ok()) << "window open";
  EXPECT_TRUE(f.sim.loop().IsPaused(f.hosts.process(1)));
  f.hosts.RecoverAll();
  EXPECT_FALSE(f.sim.loop().IsPaused(f.hosts.process(1)));
  EXPECT_TRUE(f.hosts.IsUp(2));
  EXPECT_TRUE(f.hosts.disk(3).Write(batch, {}).ok()) << "window closed";
}

}  // namespace
}  // namespace sim::host
