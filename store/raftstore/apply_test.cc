// RegionApplier on its own (Ref: TiKV fsm/apply.rs tests: test_handle_raft_
// committed_entries, test_split, test_conf_change): commands are checked
// again at apply, since another command may have moved the epoch after
// they were proposed; a refused command writes nothing; a split writes
// every new region's state and initial Raft state with the parent's; a
// stale membership change is vetoed (Raft does not apply it either); a
// snapshot carries the region and exactly its range's data.
#include "store/raftstore/apply.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "core/base/testing/rapidcheck_gtest.h"
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
  std::unique_ptr<core::engine::RangeIngester> TakeReceivedSnapshot(
      uint64_t region_id, core::raft::Index index) override {
    return received.Take(region_id, index);
  }
  std::vector<uint64_t> asked;
  SnapshotReceiver received;
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

raft_cmdpb::RaftCmdRequest SplitAt(const Region& region, const std::string& key,
                                   uint64_t new_region_id = 2) {
  raft_cmdpb::RaftCmdRequest cmd = Header(region);
  cmd.mutable_admin_request()->set_cmd_type(raft_cmdpb::BatchSplit);
  raft_cmdpb::BatchSplitRequest* splits =
      cmd.mutable_admin_request()->mutable_splits();
  splits->set_right_derive(true);
  raft_cmdpb::SplitRequest* split = splits->add_requests();
  split->set_split_key(key);
  split->set_new_region_id(new_region_id);
  for (uint64_t store : {1, 2, 3}) {
    split->add_new_peer_ids(new_region_id * 10 + store);
  }
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
            (std::vector<uint64_t>{21, 22, 23}));

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

// The snapshot holds the region; its range's keys in every data CF are
// exported from the engine as of the snapshot, sent in chunks, and
// ingested elsewhere: that replaces the range and the region state.
TEST_F(ApplyTest, ASnapshotCarriesTheRegionAndItsRange) {
  ASSERT_FALSE(
      Apply(SplitAt(ThreePeers(), "m"), 6).response.header().has_error());
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, DataKey("a"), "left");  // the other region's
  batch.Put(Cf::kDefault, DataKey("n"), "1");
  batch.Put(Cf::kLock, DataKey("o"), "2");
  batch.Put(Cf::kWrite, DataKey("p"), std::string(300, 'w'));
  ASSERT_TRUE(engine_.Write(batch, {}).ok());
  applier_.AfterApply(9);
  auto data = applier_.SnapshotData();
  ASSERT_TRUE(data.ok());
  // Later writes are not in it: the engine snapshot was taken at 9.
  core::env::WriteBatch later;
  later.Put(Cf::kDefault, DataKey("n"), "later");
  ASSERT_TRUE(engine_.Write(later, {}).ok());
  EXPECT_FALSE(applier_.SnapshotSourceAt(8).has_value());
  std::optional<SnapshotSource> source = applier_.SnapshotSourceAt(9);
  ASSERT_TRUE(source.has_value());
  raft_serverpb::RaftMessage envelope;
  envelope.set_region_id(1);
  envelope.mutable_message()->mutable_snapshot()->set_data(*data);
  envelope.mutable_message()->mutable_snapshot()->mutable_metadata()->set_index(
      9);
  auto frames = EncodeSnapshotFrames(envelope, *source, 100);
  ASSERT_TRUE(frames.ok());
  // Header, data, trailer at least.
  EXPECT_GE(frames->frames.size(), 3u);

  core::engine::MemEngine other;
  core::env::WriteBatch stale;
  stale.Put(Cf::kDefault, DataKey("q"), "stale");
  ASSERT_TRUE(other.Write(stale, {}).ok());
  NoPeers other_host;
  for (size_t i = 0; i < frames->frames.size(); ++i) {
    auto added = other_host.received.Add("sender", frames->frames[i]);
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_EQ(added->has_value(), i + 1 == frames->frames.size());
  }
  EXPECT_TRUE(other_host.received.Has(1, 9));
  RegionApplier receiver(other, &other_host, 10, Region{.id = 1}, false);
  core::raft::Snapshot snapshot{.metadata = {.index = 9, .term = 6},
                                .data = *data};
  core::env::WriteBatch install;
  ASSERT_TRUE(receiver.ApplySnapshot(snapshot, &install).ok());
  ASSERT_TRUE(other.Write(install, {}).ok());
  EXPECT_TRUE(receiver.initialized());
  EXPECT_EQ(receiver.region(), applier_.region());
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("n")), "1");
  EXPECT_EQ(*other.Get(Cf::kLock, DataKey("o")), "2");
  EXPECT_EQ(*other.Get(Cf::kWrite, DataKey("p")), std::string(300, 'w'));
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("a")), std::nullopt);
  EXPECT_EQ(*other.Get(Cf::kDefault, DataKey("q")), std::nullopt)
      << "the range is replaced";

  // A snapshot whose data did not come, or of another region, is data loss
  // (the peer halts rather than install it).
  core::env::WriteBatch refused;
  EXPECT_EQ(receiver.ApplySnapshot(snapshot, &refused).code(),
            absl::StatusCode::kDataLoss);
  RegionApplier stranger(other, &other_host, 10, Region{.id = 2}, false);
  EXPECT_EQ(stranger.ApplySnapshot(snapshot, &refused).code(),
            absl::StatusCode::kDataLoss);
}

// A stream cut short, or a chunk altered on the way, is dropped whole.
TEST(SnapshotReceiverTest, ABrokenStreamIsDropped) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  for (int i = 0; i < 20; ++i) {
    batch.Put(Cf::kDefault, DataKey("k" + std::to_string(i)), "value");
  }
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  SnapshotSource source{.index = 7,
                        .region = ThreePeers(),
                        .engine_snapshot = engine.NewSnapshot()};
  raft_serverpb::RaftMessage envelope;
  envelope.set_region_id(1);
  envelope.mutable_message()->mutable_snapshot()->set_data(
      SnapshotDataOf(source.region));
  envelope.mutable_message()->mutable_snapshot()->mutable_metadata()->set_index(
      7);
  auto frames = EncodeSnapshotFrames(envelope, source, 40);
  ASSERT_TRUE(frames.ok());
  ASSERT_GE(frames->frames.size(), 4u);
  SnapshotReceiver receiver;
  std::string altered = frames->frames[1];
  altered.back() ^= 1;
  ASSERT_TRUE(receiver.Add("a", frames->frames[0]).ok());
  EXPECT_FALSE(receiver.Add("a", altered).ok());
  EXPECT_FALSE(receiver.Add("a", frames->frames[2]).ok()) << "no stream left";
  // The same stream whole from another sender completes; a chunk that is
  // no protobuf is refused.
  for (const std::string& frame : frames->frames) {
    ASSERT_TRUE(receiver.Add("b", frame).ok());
  }
  EXPECT_TRUE(receiver.Has(1, 7));
  EXPECT_FALSE(receiver.Add("c", std::string(1, '\0') + "\xff\xff").ok());
  EXPECT_NE(receiver.Take(1, 7), nullptr);
  EXPECT_FALSE(receiver.Has(1, 7));
}

// Model-vs-implementation: random writes, deletes, range deletes and splits,
// some built against a stale epoch or aimed at a key outside the region,
// applied to the appliers of one store's regions. The store's data always
// equals a plain map's, every refusal is the one the model predicts (and
// writes nothing), the regions always tile the key space, and each
// region's persisted state is the applier's.
class ApplyModel {
 public:
  ApplyModel() {
    appliers_[1] = std::make_unique<RegionApplier>(engine_, &host_, 10,
                                                   ThreePeers(), true);
  }

  void Step() {
    auto target = appliers_.begin();
    std::advance(target, *rc::gen::inRange<size_t>(0, appliers_.size()));
    RegionApplier& applier = *target->second;
    const Region region = applier.region();
    Region built = region;
    const bool stale = *rc::gen::inRange(0, 5) == 0;
    if (stale) built.epoch.version -= 1;
    const std::string key = Key(), end = *rc::gen::element<std::string>(
                                       "", "c", "e", "g", "i");
    const int kind = *rc::gen::inRange(0, 4);
    raft_cmdpb::RaftCmdRequest cmd;
    bool in_region = region.ContainsKey(key);
    if (kind == 0) {
      cmd = Put(built, key);
    } else if (kind == 1) {
      cmd = Put(built, key);
      cmd.mutable_requests(0)->set_cmd_type(raft_cmdpb::Delete);
      cmd.mutable_requests(0)->mutable_delete_()->set_key(key);
    } else if (kind == 2) {
      cmd = Header(built);
      raft_cmdpb::Request* range = cmd.add_requests();
      range->set_cmd_type(raft_cmdpb::DeleteRange);
      range->mutable_delete_range()->set_start_key(key);
      range->mutable_delete_range()->set_end_key(end);
      in_region = in_region && (end.empty() || end > key) &&
                  core::region::CompareEndKeys(end, region.end_key) <= 0;
    } else {
      cmd = SplitAt(built, key, next_region_id_);
      in_region = in_region && key != region.start_key;
    }
    Apply(applier, cmd, kind, stale, in_region, key, end);
  }

  void Check() {
    std::map<std::string, std::string> stored;
    auto it = engine_.NewSnapshot()->NewIterator(Cf::kDefault, {});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      stored[std::string(*OriginKey(it->key()))] = std::string(it->value());
    }
    RC_ASSERT(stored == data_);
    std::map<std::string, Region> by_start;
    for (const auto& [id, applier] : appliers_) {
      by_start[applier->region().start_key] = applier->region();
    }
    std::string next = "";
    for (const auto& [start, region] : by_start) {
      RC_ASSERT(start == next);
      next = region.end_key;
      RC_ASSERT(!next.empty() || region.start_key == by_start.rbegin()->first);
    }
    RC_ASSERT(next.empty());
    auto states = LoadRegionStates(engine_);
    RC_ASSERT(states.ok());
    for (const auto& state : *states) {
      const auto applier = appliers_.find(state.region().id());
      RC_ASSERT(applier != appliers_.end());
      RC_ASSERT(*core::region::FromMetapb(state.region()) ==
                applier->second->region());
    }
  }

 private:
  static std::string Key() {
    return *rc::gen::element<std::string>("a", "b", "c", "d", "e", "f", "g",
                                          "h");
  }

  void Apply(RegionApplier& applier, const raft_cmdpb::RaftCmdRequest& cmd,
             int kind, bool stale, bool in_region, const std::string& key,
             const std::string& end) {
    core::env::WriteBatch batch;
    const Entry entry{
        .term = 6, .index = ++index_, .data = cmd.SerializeAsString()};
    RC_ASSERT(applier.ApplyEntry(entry, &batch).ok());
    ApplyResults results = applier.TakeResults();
    RC_ASSERT(results.commands.size() == 1u);
    const errorpb::Error& error = results.commands[0].response.header().error();
    if (stale || !in_region) {
      RC_ASSERT(results.commands[0].response.header().has_error());
      RC_ASSERT(!stale || error.has_epoch_not_match());
      RC_ASSERT(batch.empty());
      return;
    }
    RC_ASSERT(!results.commands[0].response.header().has_error());
    RC_ASSERT(engine_.Write(batch, {}).ok());
    if (kind == 0) data_[key] = "v-" + key;
    if (kind == 1) data_.erase(key);
    if (kind == 2) {
      const std::string& upto = end.empty() ? applier.region().end_key : end;
      data_.erase(data_.lower_bound(key),
                  upto.empty() ? data_.end() : data_.lower_bound(upto));
    }
    if (kind == 3) {
      RC_ASSERT(results.split_regions.size() == 2u);
      const Region& left = results.split_regions.front();
      RC_ASSERT(left.id == next_region_id_);
      appliers_[left.id] = std::make_unique<RegionApplier>(
          engine_, &host_, left.peers.front().id, left, true);
      ++next_region_id_;
    }
  }

  core::engine::MemEngine engine_;
  NoPeers host_;
  std::map<uint64_t, std::unique_ptr<RegionApplier>> appliers_;
  std::map<std::string, std::string> data_;
  uint64_t next_region_id_ = 2;
  uint64_t index_ = 5;
};

RC_GTEST_PROP_N(ApplyProperty, AppliersMatchAModelOfRegionsAndData, 200, 40,
                ()) {
  ApplyModel model;
  const int steps = *rc::gen::inRange(1, 60);
  for (int i = 0; i < steps; ++i) {
    model.Step();
    model.Check();
  }
}

}  // namespace
}  // namespace store::raftstore
