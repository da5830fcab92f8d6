// The raftstore's persisted layout: TiKV's local keys (golden bytes, Ref:
// components/keys/src/lib.rs STORE_IDENT_KEY and region_state_key), data
// keys under 'z' with a bounded end, and the store ident and region states
// written by bootstrap and read back by recovery.
#include "store/raftstore/keys.h"

#include <gtest/gtest.h>

#include "core/base/bytes.h"
#include "core/engine/mem_engine.h"
#include "store/peer/peer_storage.h"
#include "store/raftstore/local_state.h"

namespace store::raftstore {
namespace {

using core::base::HexEncode;

TEST(KeysTest, LocalKeysHaveTikvsLayout) {
  EXPECT_EQ(HexEncode(StoreIdentKey()), "0101");
  EXPECT_EQ(HexEncode(RegionStateKey(7)), "0103000000000000000701");
  EXPECT_EQ(DecodeRegionStateKey(RegionStateKey(7)), 7u);
  EXPECT_EQ(DecodeRegionStateKey(store::RaftStateKey(7)), std::nullopt);
  EXPECT_EQ(DecodeRegionStateKey(StoreIdentKey()), std::nullopt);
  // Region states sort by region id inside their own range, apart from the
  // Raft state keys (prefix 0x02) and the ident.
  EXPECT_LT(RegionMetaMinKey(), RegionStateKey(0));
  EXPECT_LT(RegionStateKey(1), RegionStateKey(256));
  EXPECT_LT(RegionStateKey(UINT64_MAX), RegionMetaMaxKey());
  EXPECT_LT(store::ApplyStateKey(UINT64_MAX), RegionMetaMinKey());
}

TEST(KeysTest, DataKeysAreBoundedAndCarryTheirOrigin) {
  EXPECT_EQ(DataKey("k"), "zk");
  EXPECT_EQ(DataEndKey(""), "{") << "the end of the data key space";
  EXPECT_LT(DataKey("\xff\xff\xff"), DataEndKey(""));
  EXPECT_EQ(DataEndKey("m"), "zm");
  EXPECT_EQ(OriginKey("zabc"), "abc");
  EXPECT_EQ(OriginKey("abc"), std::nullopt);
  EXPECT_EQ(DataCfFromName(""), core::env::Cf::kDefault);
  EXPECT_EQ(DataCfFromName("write"), core::env::Cf::kWrite);
  EXPECT_EQ(DataCfFromName("raft"), std::nullopt);
}

metapb::Region ThreePeerRegion() {
  metapb::Region region;
  region.set_id(1);
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(1);
  for (uint64_t id : {1, 2, 3}) {
    metapb::Peer* peer = region.add_peers();
    peer->set_id(id * 10);
    peer->set_store_id(id);
  }
  return region;
}

TEST(LocalStateTest, BootstrapWritesIdentAndFirstRegion) {
  core::engine::MemEngine engine;
  auto none = LoadStoreIdent(engine);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(BootstrapStore(engine, 7, 2).ok());
  ASSERT_TRUE(BootstrapStore(engine, 7, 2).ok()) << "a repeat is a no-op";
  EXPECT_EQ(BootstrapStore(engine, 7, 3).code(),
            absl::StatusCode::kFailedPrecondition);
  auto ident = LoadStoreIdent(engine);
  ASSERT_TRUE(ident.ok() && ident->has_value());
  EXPECT_EQ((*ident)->cluster_id(), 7u);
  EXPECT_EQ((*ident)->store_id(), 2u);

  ASSERT_TRUE(BootstrapRegion(engine, 2, ThreePeerRegion()).ok());
  EXPECT_EQ(BootstrapRegion(engine, 2, ThreePeerRegion()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(BootstrapRegion(engine, 9, ThreePeerRegion()).code(),
            absl::StatusCode::kFailedPrecondition)
      << "no peer on store 9";
  auto states = LoadRegionStates(engine);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].state(), raft_serverpb::Normal);
  EXPECT_EQ((*states)[0].region().peers_size(), 3);
  // The peer starts truncated at TiKV's initial index, voters = peer ids.
  auto recovered = store::RecoverPeerState(engine, 1, {});
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->apply_state.applied_index, kRaftInitLogIndex);
  EXPECT_EQ(recovered->apply_state.truncated_term, kRaftInitLogTerm);
  EXPECT_EQ(recovered->apply_state.conf_state.voters,
            (std::vector<uint64_t>{10, 20, 30}));
}

TEST(LocalStateTest, UndecodableRegionStateIsDataLoss) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  batch.Put(core::env::Cf::kRaft, RegionStateKey(3), "\xff garbage");
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  EXPECT_EQ(LoadRegionStates(engine).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(LocalStateTest, ConfStateOfAJointRegion) {
  using core::region::PeerRole;
  core::region::Region region{.id = 1,
                              .peers = {{1, 1, PeerRole::kVoter},
                                        {2, 2, PeerRole::kIncomingVoter},
                                        {3, 3, PeerRole::kDemotingVoter},
                                        {4, 4, PeerRole::kLearner}}};
  const core::raft::ConfState cs = ConfStateOf(region);
  EXPECT_EQ(cs.voters, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(cs.voters_outgoing, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(cs.learners, (std::vector<uint64_t>{4}));
  EXPECT_EQ(cs.learners_next, (std::vector<uint64_t>{3}));
  EXPECT_FALSE(cs.auto_leave) << "left by an explicit ChangePeerV2";
}

}  // namespace
}  // namespace store::raftstore
