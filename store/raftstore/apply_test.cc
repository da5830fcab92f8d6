// RegionApplier on its own (Ref: TiKV fsm/apply.rs tests: test_handle_raft_
// committed_entries, test_split, test_conf_change): commands are checked
// again at apply, since another command may have moved the epoch after
// they were proposed; a refused command writes nothing; a split writes
// every new region's state and initial Raft state with the parent's; a
// stale membership change is vetoed (Raft does not apply it either); a
// snapshot carries the region and exactly its range's data.
#include "store/raftstore/apply.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/engine/mem_engine.h"
#include "core/region/metapb_convert.h"
#include "store/peer/peer_storage.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"
#include "store/raftstore/peer_fsm.h"

namespace store::raftstore {
namespace {

using core::env::Cf;
using core::region::Region;

class NoPeers final : public ApplyHost {
 public:
  ExistingPeer PeerForSplit(uint64_t region_id) override {
    asked.push_back(region_id);
    return {};
  }
  std::vector<uint64_t> asked;
};

Region ThreePeers() {
  return Region{.id = 1,
                .epoch = {.conf_ver = 1, .version = 1},
                .peers = {{10, 1}, {20, 2}, {30, 3}}};
}

raft_cmdpb::RaftCmdRequest Header(const Region& region) {
  raft_cmdpb::RaftCmdRequest cmd;
  cmd.mutable_header()->set_region_id(region.id);
  *cmd.mutable_header()->mutable_region_epoch() =
      core::region::ToMetapb(region.epoch);
  cmd.mutable_header()->set_uuid("u");
  return cmd;
}

raft_cmdpb::RaftCmdRequest Put(const Region& region, const std::string& key) {
  raft_cmdpb::RaftCmdRequest cmd = Header(region);
  raft_cmdpb::Request* put = cmd.add_requests();
  put->set_cmd_type(raft_cmdpb::Put);
  put->mutable_put()->set_key(key);
  put->mutable_put()->set_value("v-" + key);
  return cmd;
}

raft_cmdpb::RaftCmdRequest SplitAt(const Region& region,
                                   const std::string& key) {
  raft_cmdpb::RaftCmdRequest cmd = Header(region);
  cmd.mutable_admin_request()->set_cmd_type(raft_cmdpb::BatchSplit);
  raft_cmdpb::BatchSplitRequest* splits =
      cmd.mutable_admin_request()->mutable_splits();
  splits->set_right_derive(true);
  raft_cmdpb::SplitRequest* split = splits->add_requests();
  split->set_split_key(key);
  split->set_new_region_id(2);
  for (uint64_t id : {11, 21, 31}) split->add_new_peer_ids(id);
  return cmd;
}

class ApplyTest : public ::testing::Test {
 protected:
  // Applies `cmd` as entry `index` of term 6, writing the batch.
  AppliedCommand Apply(const raft_cmdpb::RaftCmdRequest& cmd, uint64_t index) {
    core::env::WriteBatch batch;
    Entry entry{.term = 6, .index = index, .data = cmd.SerializeAsString()};
    EXPECT_TRUE(applier_.ApplyEntry(entry, &batch).ok());
    EXPECT_TRUE(engine_.Write(batch, {}).ok());
    ApplyResults results = applier_.TakeResults();
    EXPECT_EQ(results.commands.size(), 1u);
    split_regions_ = results.split_regions;
    return results.commands.front();
  }
  std::optional<std::string> Get(const std::string& key) {
    return *engine_.Get(Cf::kDefault, DataKey(key));
  }

  core::engine::MemEngine engine_;
  NoPeers host_;
  RegionApplier applier_{engine_, &host_, 10, ThreePeers(), true};
  std::vector<Region> split_regions_;
};

TEST_F(ApplyTest, WritesLandUnderDataKeysAndAreAnswered) {
  const AppliedCommand applied = Apply(Put(ThreePeers(), "k"), 6);
  EXPECT_EQ(applied.index, 6u);
  EXPECT_EQ(applied.term, 6u);
  EXPECT_FALSE(applied.response.header().has_error());
  EXPECT_EQ(applied.response.header().uuid(), "u");
  EXPECT_EQ(applied.response.responses(0).cmd_type(), raft_cmdpb::Put);
  EXPECT_EQ(Get("k"), "v-k");
}

// Ref: apply.rs test_split: the parent keeps the right part, the new
// region's state and its initial Raft state are written with it; a write
// proposed before the split (old version) is refused when it is applied
// after it, and writes nothing.
TEST_F(ApplyTest, AWriteProposedBeforeASplitIsRefusedAfterIt) {
  const Region before = ThreePeers();
  const AppliedCommand split = Apply(SplitAt(before, "m"), 6);
  ASSERT_FALSE(split.response.header().has_error())
      << split.response.DebugString();
  ASSERT_EQ(split_regions_.size(), 2u);
  EXPECT_EQ(host_.asked, (std::vector<uint64_t>{2}));
  EXPECT_EQ(applier_.region().start_key, "m");
  EXPECT_EQ(applier_.region().epoch.version, 2u);
  auto states = LoadRegionStates(engine_);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 2u);
  auto child = store::RecoverPeerState(engine_, 2, {});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->apply_state.applied_index, kRaftInitLogIndex);
  EXPECT_EQ(child->apply_state.conf_state.voters,
            (std::vector<uint64_t>{11, 21, 31}));

  const AppliedCommand stale = Apply(Put(before, "x"), 7);
  ASSERT_TRUE(stale.response.header().error().has_epoch_not_match());
  EXPECT_EQ(Get("x"), std::nullopt) << "a refused command writes nothing";
  // Built on the new epoch but for a key that moved to the new region.
  const AppliedCommand moved = Apply(Put(applier_.region(), "a"), 8);
  ASSERT_TRUE(moved.response.header().error().has_key_not_in_region());
  EXPECT_EQ(Get("a"), std::nullopt);
}

// Ref: apply.rs test_conf_change: a ChangePeer built against an older
// conf_ver is vetoed at apply (Raft leaves the membership alone) and
// answered EpochNotMatch; a current one changes the region and is written.
TEST_F(ApplyTest, AStaleMembershipChangeIsVetoed) {
  raft_cmdpb::RaftCmdRequest add = Header(ThreePeers());
  add.mutable_admin_request()->set_cmd_type(raft_cmdpb::ChangePeer);
  add.mutable_admin_request()->mutable_change_peer()->set_change_type(
      eraftpb::AddLearnerNode);
  add.mutable_admin_request()->mutable_change_peer()->mutable_peer()->set_id(
      40);
  add.mutable_admin_request()
      ->mutable_change_peer()
      ->mutable_peer()
      ->set_store_id(4);
  core::env::WriteBatch batch;
  const core::raft::ConfChange change = ConfChangeOf(add);
  auto accepted = applier_.ApplyConfChange(
      Entry{.term = 6, .index = 6, .type = core::raft::EntryType::kConfChange},
      change, &batch);
  ASSERT_TRUE(accepted.ok());
  EXPECT_TRUE(*accepted);
  EXPECT_FALSE(batch.empty()) << "the new region state";
  EXPECT_EQ(applier_.region().epoch.conf_ver, 2u);
  ASSERT_NE(applier_.region().FindPeer(40), nullptr);
  ApplyResults results = applier_.TakeResults();
  EXPECT_TRUE(results.membership_changed);
  EXPECT_FALSE(results.removed_self);

  // The same command again: its conf_ver (1) is stale now.
  core::env::WriteBatch again;
  auto vetoed = applier_.ApplyConfChange(
      Entry{.term = 6, .index = 7, .type = core::raft::EntryType::kConfChange},
      change, &again);
  ASSERT_TRUE(vetoed.ok());
  EXPECT_FALSE(*vetoed);
  EXPECT_TRUE(again.empty());
  results = applier_.TakeResults();
  ASSERT_EQ(results.commands.size(), 1u);
  EXPECT_TRUE(
      results.commands[0].response.header().error().has_epoch_not_match());
  EXPECT_FALSE(results.membership_changed);
}

// The snapshot holds the region and its range's keys in every data CF;
// applying it elsewhere replaces that range and the region state.
TEST_F(ApplyTest, ASnapshotCarriesTheRegionAndItsRange) {
  ASSERT_FALSE(
      Apply(SplitAt(ThreePeers(), "m"), 6).response.header().has_error());
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, DataKey("a"), "left");  // the other region's
  batch.Put(Cf::kDefault, DataKey("n"), "1");
  batch.Put(Cf::kLock, DataKey("o"), "2");
  batch.Put(Cf::kWrite, DataKey("p"), "3");
  ASSERT_TRUE(engine_.Write(batch, {}).ok());
  auto data = applier_.SnapshotData();
  ASSERT_TRUE(data.ok());

  core::engine::MemEngine other;
  core::env::WriteBatch stale;
  stale.Put(Cf::kDefault, DataKey("q"), "stale");
  ASSERT_TRUE(other.Write(stale, {}).ok());
  RegionApplier receiver(other, &host_, 10, Region{.id = 1}, false);
  core::raft::Snapshot snapshot{.metadata = {.index = 9, .term = 6},
                                .data = *data};
  core::env::WriteBatch install;
  ASSERT_TRUE(receiver.ApplySnapshot(snapshot, &install).ok());
  ASSERT_TRUE(other.Write(install, {}).ok());
  EXPECT_TRUE(receiver.initialized());
  EXPECT_EQ(receiver.region(), applier_.region());
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("n")), "1");
  EXPECT_EQ(*other.Get(Cf::kLock, DataKey("o")), "2");
  EXPECT_EQ(*other.Get(Cf::kWrite, DataKey("p")), "3");
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("a")), std::nullopt);
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("q")), std::nullopt)
      << "the range is replaced";

  // A snapshot of another region, or one with a key outside its region,
  // is data loss (the peer halts rather than install it).
  raft_serverpb::RaftSnapshotData bad;
  ASSERT_TRUE(bad.ParseFromString(*data));
  bad.add_data()->set_key(std::string(1, '\0') + "a");
  snapshot.data = bad.SerializeAsString();
  core::env::WriteBatch refused;
  EXPECT_EQ(receiver.ApplySnapshot(snapshot, &refused).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace store::raftstore
