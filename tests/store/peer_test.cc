// store::Peer on the simulator: three peers of one region, each with its
// own engine, driven by the one ReadyLoop. The scenarios follow TiKV's
// raftstore tests (tests/integrations/raftstore/test_snap.rs: a follower cut
// off while the leader compacts its log catches up by snapshot;
// test_conf_change.rs: a removed voter leaves the persisted membership), and
// the Ready contract's negative space: a Ready field left unhandled is a
// CHECK failure.
#include "store/peer/peer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/engine/mem_engine.h"
#include "core/env/channel.h"
#include "core/raft/codec.h"
#include "sim/simulation/simulation.h"
#include "store/peer/ready_loop.h"

namespace store {
namespace {

using core::base::Duration;
using core::env::Cf;
using core::raft::NodeId;

constexpr RegionId kRegion = 1;

// A string map applied from "key=value" entries into Cf::kDefault.
class KvApplier final : public Applier {
 public:
  explicit KvApplier(core::env::Engine& engine) : engine_(engine) {}

  absl::Status ApplyEntry(const Entry& entry,
                          core::env::WriteBatch* batch) override {
    const size_t eq = entry.data.find('=');
    if (eq == std::string::npos) return absl::DataLossError("not k=v");
    batch->Put(Cf::kDefault, entry.data.substr(0, eq),
               entry.data.substr(eq + 1));
    return absl::OkStatus();
  }
  absl::Status ApplySnapshot(const core::raft::Snapshot& snapshot,
                             core::env::WriteBatch* batch) override {
    ++snapshots_applied;
    batch->DeleteRange(Cf::kDefault, "", "\xff");
    std::string_view in = snapshot.data;
    while (!in.empty()) {
      std::string_view key, value;
      if (!core::base::GetLengthPrefixed(&in, &key) ||
          !core::base::GetLengthPrefixed(&in, &value)) {
        return absl::DataLossError("bad snapshot data");
      }
      batch->Put(Cf::kDefault, key, value);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> SnapshotData() override {
    std::string out;
    for (const auto& [key, value] : Contents(engine_)) {
      core::base::PutLengthPrefixed(&out, key);
      core::base::PutLengthPrefixed(&out, value);
    }
    return out;
  }
  void AfterApply(Index applied_index) override { applied = applied_index; }

  static std::map<std::string, std::string> Contents(
      core::env::Engine& engine) {
    std::map<std::string, std::string> out;
    auto it = engine.NewSnapshot()->NewIterator(Cf::kDefault, {});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[std::string(it->key())] = std::string(it->value());
    }
    return out;
  }

  Index applied = 0;
  int snapshots_applied = 0;

 private:
  core::env::Engine& engine_;
};

struct Member;

// Delivers messages between members' inboxes; a cut member hears nothing.
struct Router {
  std::map<NodeId, Member*> members;
  std::set<NodeId> cut;
};

struct Member final : public PeerHost {
  Member(core::env::Env env, NodeId id, Router* router)
      : env(env),
        id(id),
        router(router),
        applier(env.engine),
        inbox(env.executor, env.clock, 4096),
        loop(env) {}

  bool Send(RegionId, const Message& m) override;
  void OnReadReady(const std::string&) override {}
  void OnConfState(const ConfState& cs) override { conf_states.push_back(cs); }
  void OnHalt(const absl::Status& status) override { halt = status; }

  void Boot(const ConfState& initial) {
    PeerOptions options{.region_id = kRegion, .initial_conf_state = initial};
    options.raft.id = id;
    options.raft.election_timeout_ticks = 10;
    auto created = Peer::Create(env, options, &applier, this);
    ASSERT_TRUE(created.ok()) << created.status();
    peer = *std::move(created);
    ASSERT_TRUE(peer->WriteRecoveryRepairs().ok());
    env.executor.Spawn("drive", [this] { Drive(); });
  }

  void Drive() {
    while (!peer->halted()) {
      auto m = inbox.ReceiveFor(Duration::Milliseconds(10));
      if (m.ok()) {
        (void)core::base::Ignore(peer->raw_node().Step(*m));
      } else {
        peer->raw_node().Tick();
      }
      while (peer->HasReady()) loop.HandleReadies({peer.get()});
    }
  }

  core::env::Env env;
  NodeId id;
  Router* router;
  KvApplier applier;
  core::env::Channel<Message> inbox;
  ReadyLoop loop;
  std::unique_ptr<Peer> peer;
  std::vector<ConfState> conf_states;
  absl::Status halt;
};

bool Member::Send(RegionId, const Message& m) {
  auto to = router->members.find(m.to);
  if (to == router->members.end()) return false;
  if (router->cut.count(m.to) || router->cut.count(id)) return true;  // lost
  return to->second->inbox.TrySend(m);
}

// Three members of region 1, all fibres in one simulated process, each
// with its own engine.
class PeerScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = sim_.AddNode({.host = "store", .clock = sim::ClockOptions{}});
    for (NodeId id = 1; id <= 3; ++id) {
      engines_[id] = std::make_unique<core::engine::MemEngine>();
      core::env::Env base = sim_.MakeEnv(node_, *engines_[id]);
      members_[id] = std::make_unique<Member>(base, id, &router_);
      router_.members[id] = members_[id].get();
    }
    ConfState voters;
    voters.voters = {1, 2, 3};
    for (auto& [id, member] : members_) member->Boot(voters);
  }

  // The fibres park on the members' channels: stop them first.
  void TearDown() override { sim_.loop().Shutdown(); }

  Member* Leader() {
    for (auto& [id, member] : members_) {
      if (member->peer->raw_node().raft().lead() == id) return member.get();
    }
    return nullptr;
  }

  Member* WaitForLeader() {
    for (int i = 0; i < 100 && Leader() == nullptr; ++i) {
      sim_.loop().RunFor(Duration::Milliseconds(100));
    }
    return Leader();
  }

  void Propose(Member* leader, const std::string& data) {
    ASSERT_TRUE(leader->peer->raw_node().Propose(data).ok());
  }

  std::map<NodeId, std::unique_ptr<core::engine::MemEngine>> engines_;
  sim::Simulation sim_{sim::SimulationOptions{.seed = 11}};
  sim::ProcessId node_ = 0;
  Router router_;
  std::map<NodeId, std::unique_ptr<Member>> members_;
};

TEST_F(PeerScenario, AFollowerBehindTheCompactedLogCatchesUpBySnapshot) {
  Member* leader = WaitForLeader();
  ASSERT_NE(leader, nullptr);
  const NodeId lagging = leader->id == 3 ? 2 : 3;
  router_.cut.insert(lagging);
  for (int i = 0; i < 20; ++i) Propose(leader, "k" + std::to_string(i) + "=v");
  sim_.loop().RunFor(Duration::Seconds(1));
  ASSERT_GE(leader->applier.applied, 20u);
  ASSERT_TRUE(leader->peer->CompactLog().ok());
  EXPECT_GT(leader->peer->storage().apply_state().truncated_index, 0u);
  router_.cut.clear();
  Propose(leader, "after=snapshot");
  sim_.loop().RunFor(Duration::Seconds(2));
  Member* follower = members_[lagging].get();
  EXPECT_EQ(follower->applier.snapshots_applied, 1);
  EXPECT_EQ(KvApplier::Contents(*engines_[lagging]),
            KvApplier::Contents(*engines_[leader->id]));
  EXPECT_EQ(KvApplier::Contents(*engines_[lagging]).count("after"), 1u);
  // The snapshot's apply state is durable: a restart recovers from it.
  auto recovered = RecoverPeerState(*engines_[lagging], kRegion, {});
  ASSERT_TRUE(recovered.ok());
  EXPECT_GT(recovered->apply_state.truncated_index, 0u);
  EXPECT_EQ(recovered->apply_state.conf_state.voters,
            (std::vector<NodeId>{1, 2, 3}));
  EXPECT_TRUE(follower->halt.ok()) << follower->halt;
}

TEST_F(PeerScenario, ARemovedVoterLeavesThePersistedMembership) {
  Member* leader = WaitForLeader();
  ASSERT_NE(leader, nullptr);
  const NodeId removed = leader->id == 3 ? 2 : 3;
  core::raft::ConfChange change;
  change.changes.push_back(
      {.type = core::raft::ConfChangeType::kRemoveNode, .node_id = removed});
  ASSERT_TRUE(leader->peer->raw_node().ProposeConfChange(change).ok());
  sim_.loop().RunFor(Duration::Seconds(1));
  for (NodeId id = 1; id <= 3; ++id) {
    if (id == removed) continue;
    Member* member = members_[id].get();
    ASSERT_FALSE(member->conf_states.empty()) << "member " << id;
    EXPECT_EQ(member->conf_states.back().voters.size(), 2u);
    auto recovered = RecoverPeerState(*engines_[id], kRegion, {});
    ASSERT_TRUE(recovered.ok());
    EXPECT_EQ(recovered->apply_state.conf_state, member->conf_states.back());
    const auto& voters = member->peer->raw_node().GetStatus().conf_state.voters;
    EXPECT_EQ(std::count(voters.begin(), voters.end(), removed), 0);
  }
  // The group keeps committing with two voters.
  Propose(Leader(), "two=voters");
  sim_.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(KvApplier::Contents(*engines_[leader->id]).count("two"), 1u);
}

TEST(CheckReadyHandledDeathTest, AnIgnoredSnapshotOrConfChangeIsABug) {
  core::raft::Ready with_snapshot;
  with_snapshot.snapshot = core::raft::Snapshot{};
  with_snapshot.snapshot->metadata.index = 5;
  ReadyHandled handled{.messages = true,
                       .persisted_messages = true,
                       .read_states = true,
                       .committed_entries = true};
  EXPECT_DEATH(CheckReadyHandled(with_snapshot, handled),
               "snapshot, entries or hard state were not persisted");
  core::raft::Ready with_conf_change;
  Entry entry;
  entry.index = 3;
  entry.type = core::raft::EntryType::kConfChange;
  with_conf_change.committed_entries.push_back(entry);
  handled = ReadyHandled{.messages = true,
                         .persisted = true,
                         .persisted_messages = true,
                         .read_states = true};
  EXPECT_DEATH(CheckReadyHandled(with_conf_change, handled),
               "committed entries were not applied");
  handled.committed_entries = true;
  CheckReadyHandled(with_conf_change, handled);  // all handled: no CHECK
}

}  // namespace
}  // namespace store
