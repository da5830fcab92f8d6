// The store's router on Raft messages for regions it may not host, one rule
// per case of TiKV's maybe_create_peer and check_msg
// (components/raftstore/src/store/fsm/store.rs), and its refusals of bad
// input: which messages create an uninitialized peer, which are dropped as
// stale (an older peer id, a newer overlapping region, a tombstone), which
// destroy our peer (a newer peer id, a tombstone message), and frames that
// are not for this store or not frames at all. Ref: TiKV
// tests/integrations/raftstore/test_tombstone.rs and test_stale_peer.rs.
//
// Store 4 hosts no region; region 1 lives on stores 1-3 and covers every
// key. The messages come from the test's own process, as another store
// would send them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

constexpr uint64_t kRegion = 77;
constexpr uint64_t kEmptyStore = 4;

metapb::Peer MakePeer(uint64_t id, uint64_t store_id) {
  metapb::Peer peer;
  peer.set_id(id);
  peer.set_store_id(store_id);
  return peer;
}

struct MessageSpec {
  uint64_t region_id = kRegion;
  uint64_t from_peer = 71;
  uint64_t from_store = 1;
  uint64_t to_peer = 40;
  uint64_t to_store = kEmptyStore;
  uint64_t conf_ver = 1;
  uint64_t version = 1;
  eraftpb::MessageType type = eraftpb::MsgRequestVote;
  uint64_t commit = 0;
  std::string start_key = "a";
  std::string end_key = "b";
  bool is_tombstone = false;
};

raft_serverpb::RaftMessage Make(const MessageSpec& spec) {
  raft_serverpb::RaftMessage message;
  message.set_region_id(spec.region_id);
  *message.mutable_from_peer() = MakePeer(spec.from_peer, spec.from_store);
  *message.mutable_to_peer() = MakePeer(spec.to_peer, spec.to_store);
  message.mutable_region_epoch()->set_conf_ver(spec.conf_ver);
  message.mutable_region_epoch()->set_version(spec.version);
  message.set_start_key(spec.start_key);
  message.set_end_key(spec.end_key);
  message.set_is_tombstone(spec.is_tombstone);
  if (!spec.is_tombstone) {
    eraftpb::Message* raft = message.mutable_message();
    raft->set_msg_type(spec.type);
    raft->set_from(spec.from_peer);
    raft->set_to(spec.to_peer);
    raft->set_term(7);
    raft->set_log_term(5);
    raft->set_index(5);
    raft->set_commit(spec.commit);
  }
  return message;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    ASSERT_NE(cluster_.WaitForLeader(kFirstRegionId), 0u);
  }

  void Send(uint64_t store_id, const MessageSpec& spec) {
    cluster_.SendRaftMessages(store_id, {Make(spec)});
  }
  Store& empty_store() { return *cluster_.store(kEmptyStore); }
  const StoreStats& stats() { return empty_store().stats(); }
  uint64_t LivePeerId(uint64_t region_id) {
    const PeerFsm* peer = empty_store().FindPeer(region_id);
    return peer == nullptr ? 0 : peer->peer_id();
  }

  Cluster cluster_{ClusterOptions{.stores = 4}};
};

// Ref: store.rs maybe_create_peer_internal / util.rs is_initial_msg: a
// vote, a pre-vote or a first heartbeat (commit 0) creates the peer,
// uninitialized (it knows no range until a snapshot).
TEST_F(RouterTest, AnInitialMessageCreatesAnUninitializedPeer) {
  Send(kEmptyStore, {.type = eraftpb::MsgRequestPreVote});
  EXPECT_EQ(stats().peers_created, 1u);
  ASSERT_NE(empty_store().FindPeer(kRegion), nullptr);
  EXPECT_FALSE(empty_store().FindPeer(kRegion)->initialized());
  EXPECT_EQ(LivePeerId(kRegion), 40u);
  // Not a region it serves: commands are refused.
  auto answer = cluster_.Call(
      kEmptyStore,
      cluster_.Command(core::region::Region{.id = kRegion}, kEmptyStore));
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(answer->header().error().has_region_not_initialized());

  Send(kEmptyStore, {.region_id = 78, .type = eraftpb::MsgHeartbeat});
  EXPECT_NE(empty_store().FindPeer(78), nullptr) << "a first heartbeat";
  Send(kEmptyStore, {.region_id = 79,
                     .type = eraftpb::MsgRequestVote,
                     .start_key = "c",
                     .end_key = "d"});
  EXPECT_NE(empty_store().FindPeer(79), nullptr) << "a vote";
  EXPECT_EQ(stats().peers_created, 3u);
}

TEST_F(RouterTest, OtherMessagesForAnUnknownRegionAreDropped) {
  Send(kEmptyStore, {.type = eraftpb::MsgHeartbeat, .commit = 6});
  Send(kEmptyStore, {.type = eraftpb::MsgAppend});
  Send(kEmptyStore, {.type = eraftpb::MsgRequestVoteResponse});
  EXPECT_EQ(stats().dropped_not_initial, 3u);
  EXPECT_EQ(empty_store().FindPeer(kRegion), nullptr);
  EXPECT_EQ(stats().peers_created, 0u);
}

// Ref: maybe_create_peer_internal's overlap check: region 1 on store 1
// covers the message's range with an epoch as new as the message's, so the
// message is stale and no peer is created.
TEST_F(RouterTest, ANewerOverlappingRegionMakesTheMessageStale) {
  Send(1, {.to_peer = 40, .to_store = 1});
  EXPECT_EQ(cluster_.store(1)->stats().dropped_overlap, 1u);
  EXPECT_EQ(cluster_.store(1)->FindPeer(kRegion), nullptr);
  EXPECT_EQ(cluster_.store(1)->stats().peers_created, 0u);
}

// Ref: PeerFsm::check_msg: a message to a peer older than ours is stale; a
// newer peer id of ours for the region means our peer was removed and
// re-added while away: it is destroyed (tombstoned) and the new one
// created. Ref: test_stale_peer.rs.
TEST_F(RouterTest, PeerIdsDecideBetweenStaleMessageAndStalePeer) {
  Send(kEmptyStore, {.to_peer = 40});
  ASSERT_EQ(LivePeerId(kRegion), 40u);
  Send(kEmptyStore, {.to_peer = 39});
  EXPECT_EQ(stats().dropped_stale_peer, 1u);
  EXPECT_EQ(LivePeerId(kRegion), 40u);

  Send(kEmptyStore, {.to_peer = 45});
  EXPECT_EQ(LivePeerId(kRegion), 45u);
  EXPECT_EQ(stats().peers_destroyed, 1u);
  auto tombstone = empty_store().Tombstone(kRegion);
  EXPECT_FALSE(tombstone.has_value()) << "the new peer replaced it";
  EXPECT_EQ(stats().peers_created, 2u);
}

// Ref: PeerFsm::handle_gc_peer_msg and check_msg on a Tombstone state: a
// tombstone message with a newer epoch destroys the peer; afterwards the
// tombstone refuses messages to that peer id and older ones, and a message
// for a newer peer creates it.
TEST_F(RouterTest, ATombstoneMessageDestroysAndTheTombstoneRefuses) {
  Send(kEmptyStore, {.to_peer = 45});
  ASSERT_EQ(LivePeerId(kRegion), 45u);
  Send(kEmptyStore, {.to_peer = 45, .is_tombstone = true});
  EXPECT_EQ(LivePeerId(kRegion), 0u);
  EXPECT_EQ(stats().peers_destroyed, 1u);
  auto tombstone = empty_store().Tombstone(kRegion);
  ASSERT_TRUE(tombstone.has_value());
  ASSERT_EQ(tombstone->peers_size(), 1);
  EXPECT_EQ(tombstone->peers(0).id(), 45u);

  Send(kEmptyStore, {.to_peer = 45});
  Send(kEmptyStore, {.to_peer = 44});
  EXPECT_EQ(stats().dropped_tombstone, 2u);
  EXPECT_EQ(LivePeerId(kRegion), 0u);
  // A tombstone message for a peer that is gone changes nothing.
  Send(kEmptyStore, {.to_peer = 45, .is_tombstone = true});
  EXPECT_EQ(stats().dropped_tombstone, 3u);

  Send(kEmptyStore, {.to_peer = 46});
  EXPECT_EQ(LivePeerId(kRegion), 46u);
}

// The tombstone survives a restart (it is the region's persisted state).
TEST_F(RouterTest, TheTombstoneIsPersisted) {
  Send(kEmptyStore, {.to_peer = 45});
  Send(kEmptyStore, {.to_peer = 45, .is_tombstone = true});
  ASSERT_TRUE(empty_store().Tombstone(kRegion).has_value());
  cluster_.Crash(kEmptyStore);
  cluster_.Restart(kEmptyStore);
  ASSERT_TRUE(cluster_.RunUntil([&] { return empty_store().started(); }));
  ASSERT_TRUE(empty_store().Tombstone(kRegion).has_value());
  // The test's connection broke with the crash: resend until one arrives.
  for (int i = 0; i < 20 && stats().dropped_tombstone == 0; ++i) {
    Send(kEmptyStore, {.to_peer = 45});
  }
  EXPECT_EQ(stats().dropped_tombstone, 1u);
  EXPECT_EQ(LivePeerId(kRegion), 0u);
}

// A message for another store, a malformed envelope, bytes that are no
// frame at all: refused and counted; the store keeps serving.
TEST_F(RouterTest, BadInputIsRefusedAndCounted) {
  Send(kEmptyStore, {.to_store = 2});
  EXPECT_EQ(stats().dropped_store_not_match, 1u);
  Send(kEmptyStore, {.to_peer = 0});
  Send(kEmptyStore, {.type = static_cast<eraftpb::MessageType>(99)});
  EXPECT_EQ(stats().dropped_malformed, 2u);
  cluster_.SendFrame(kEmptyStore, "\xff\xff\xff not a batch");
  EXPECT_EQ(stats().dropped_malformed, 3u);
  EXPECT_EQ(stats().peers_created, 0u);
  EXPECT_FALSE(cluster_.MustPut("k", "v").header().has_error());
}

}  // namespace
}  // namespace store::raftstore::testing
