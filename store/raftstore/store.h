// Store: one TiKV node's raftstore (TiKV's StoreFsm and RaftBatchSystem,
// components/raftstore/src/store/fsm/store.rs): every region peer this store
// hosts (PeerFsm), the router that hands them Raft messages and commands,
// and the one ReadyLoop that group-commits all of them. Driver code over
// core::env only.
//
// Fibres:
//   boot    writes each recovered peer's repairs, listens (TransportServer),
//           then starts the two below;
//   tick    every tick_interval, ticks every peer;
//   split-check (with an IdSource) every split_check.tick_interval_ticks,
//           measures the regions this store leads and proposes the
//           splits of those over the limits (split_check.h), with ids
//           from the IdSource (which may park);
//   raft    waits to be woken (a message, a command, a tick), then: routes
//           every queued Raft message; runs one ReadyLoop iteration over
//           every peer with a Ready (one engine write, at most one sync),
//           sending the messages batched per destination store before the
//           write and again after it; then creates the peers of applied
//           splits and destroys the peers that applied their own removal.
//
// Peers are created and destroyed only by the raft fibre, between
// iterations; Propose and the ticks only step a peer (nothing that parks),
// so they may run on any fibre of the store's executor.
//
// Recovery (Create): the StoreIdent must match the options; every region
// state Normal gets its peer back, every Tombstone is remembered.
//
// Routing a Raft message (raft_serverpb.RaftMessage; frames carry
// tikvpb.BatchRaftMessage): one for another store is refused
// (store-not-match). For a region with a live peer: to an older peer id
// than ours it is dropped (stale); to a newer one our peer is stale and is
// destroyed first; a tombstone message destroys our peer if its epoch is
// newer than ours; a snapshot whose region overlaps another region here is
// dropped. For a region without a peer (TiKV maybe_create_peer and
// check_msg): a tombstone that says the message is stale (older epoch, or
// a peer id not above the destroyed one) refuses it; only an initial
// message (a vote, a pre-vote, a heartbeat with commit 0) creates an
// uninitialized peer, and not when its range overlaps a region here (the
// message is stale, or a split here is still to be applied: then a vote is
// kept and replayed to the peer the split creates).
//
// Lifetime: Close stops the fibres (they end once they run again); the
// store may be destroyed after they ended, or with its process (the
// simulator kills the fibres first). Answers not given by then are dropped
// uncalled: nobody waits for them any more.
//
// Thread-affinity: the store's executor.
#ifndef STORE_RAFTSTORE_STORE_H_
#define STORE_RAFTSTORE_STORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/env.h"
#include "core/raft/raft.h"
#include "core/region/region.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "store/peer/ready_loop.h"
#include "store/peer/tick_catch_up.h"
#include "store/raftstore/id_source.h"
#include "store/raftstore/peer_fsm.h"
#include "store/raftstore/snapshot.h"
#include "store/raftstore/split_check.h"
#include "store/transport/transport.h"

namespace store::raftstore {

struct StoreOptions {
  uint64_t cluster_id = 0;
  uint64_t store_id = 0;
  // Where every store listens, this one's included (PD resolves addresses
  // later).
  std::map<uint64_t, core::env::Address> store_addresses;
  // `local_address` is filled in (this store's address).
  store::transport::TransportOptions transport;
  // Raft settings of every peer; `id` and `applied` are filled in.
  core::raft::Config raft;
  // TiKV's raft-base-tick-interval.
  core::base::Duration tick_interval = core::base::Duration::Seconds(1);
  // Ticks a late tick timer (a loaded loop, a paused process) catches up at
  // once, by the monotonic clock; the rest of a longer gap is dropped.
  int max_catch_up_ticks = 50;
  // TiKV's raft-entry-max-size.
  uint64_t raft_entry_max_size_bytes = 8 << 20;
  // Pending proposals per region before ServerIsBusy.
  size_t max_pending_proposals_per_region = 1024;
  // TiKV's raft-log-gc-* knobs (the interval in base ticks).
  RaftLogGcOptions raft_log_gc;
  HibernateOptions hibernate;
  // TiKV's leader-transfer-max-log-lag.
  uint64_t leader_transfer_max_log_lag = 128;
  // Raft messages received and not yet routed before new ones are dropped.
  size_t inbox_capacity_messages = 16 * 1024;
  // Messages per outgoing frame are cut at about this many bytes.
  size_t max_batch_bytes = 1 << 20;
  // The split checker, run every split_check.tick_interval_ticks when
  // `id_source` is set (it gives the new regions' ids; not owned).
  SplitCheckOptions split_check;
  IdSource* id_source = nullptr;
  // A snapshot's data travels in chunks of about this many bytes.
  size_t snapshot_chunk_bytes = kDefaultSnapshotChunkBytes;
};

// What happened to Raft messages (Ref: TiKV's raft_metrics.message_dropped
// reasons).
struct StoreStats {
  uint64_t messages_routed = 0;  // stepped by a peer
  uint64_t messages_sent = 0;
  uint64_t frames_sent = 0;
  uint64_t dropped_malformed = 0;
  uint64_t dropped_store_not_match = 0;
  uint64_t dropped_inbox_full = 0;
  // To a peer older than this store's peer of the region.
  uint64_t dropped_stale_peer = 0;
  // Refused by the region's tombstone, or a tombstone message for a peer
  // that does not exist.
  uint64_t dropped_tombstone = 0;
  // For an unknown region, and not one that may create a peer.
  uint64_t dropped_not_initial = 0;
  // For an unknown region whose range overlaps a region here (a vote
  // for a region a split here is yet to create is kept for replay).
  uint64_t dropped_overlap = 0;
  // From a peer that left the region (older epoch).
  uint64_t dropped_stale_epoch = 0;
  // A snapshot overlapping another region here.
  uint64_t dropped_snapshot = 0;
  // To a store without a known address.
  uint64_t dropped_no_address = 0;
  uint64_t peers_created = 0;
  uint64_t peers_destroyed = 0;
  // Regions the split checker scanned (over the limits by the estimate),
  // and splits it proposed.
  // Base ticks that ticked a peer's Raft (a sleeping peer's do not).
  uint64_t peer_ticks = 0;
  uint64_t split_checks_scanned = 0;
  uint64_t splits_proposed = 0;
  // Snapshot streams (snapshot.h): queued whole, and received whole.
  uint64_t snapshots_sent = 0;
  uint64_t snapshots_received = 0;
  // Key and value bytes exported, and the bytes of their frames.
  uint64_t snapshot_data_bytes_sent = 0;
  uint64_t snapshot_frame_bytes_sent = 0;
  // Malformed chunks or streams, and streams whose frames could not all be
  // queued.
  uint64_t snapshot_chunks_dropped = 0;
  uint64_t snapshots_send_failed = 0;
};

class Store final : public PeerFsmHost {
 public:
  // Reads the store's ident and regions from env.engine and recovers every
  // peer (reads only; nothing parks). kFailedPrecondition when the engine
  // is not bootstrapped (BootstrapStore) or belongs to another store;
  // kDataLoss when the metadata does not decode.
  static absl::StatusOr<std::unique_ptr<Store>> Create(
      core::env::Env env, const StoreOptions& options);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Spawns the boot fibre.
  void Start();
  // Stops serving: answers every pending command, closes the transport,
  // ends the fibres. Idempotent.
  void Close();

  // Routes `cmd` to its region's peer by header.region_id; `done` runs once
  // with the answer: after apply, or at once with a region error
  // (StoreNotMatch, RegionNotFound, NotLeader, EpochNotMatch,
  // KeyNotInRegion, RaftEntryTooLarge, ServerIsBusy, ...). Never parks.
  void Propose(raft_cmdpb::RaftCmdRequest cmd, CommandCallback done);
  // Propose, parking the calling fibre until the answer.
  raft_cmdpb::RaftCmdResponse ProposeAndWait(raft_cmdpb::RaftCmdRequest cmd);

  // Routes a read to its region's peer by header.region_id (checked as
  // Propose checks a command: StoreNotMatch, RegionNotFound, ...); `done`
  // runs once with a snapshot or a region error (PeerFsm::Read). Never
  // parks. (store_read.cc)
  void Read(const raft_cmdpb::RaftRequestHeader& header, bool replica_read,
            ReadCallback done);
  // Read, parking the calling fibre until the answer.
  ReadResponse ReadAndWait(const raft_cmdpb::RaftRequestHeader& header,
                           bool replica_read);

  uint64_t store_id() const { return options_.store_id; }
  // Where `store_id` listens for Raft traffic from now on (the PD worker
  // resolves the stores PD knows, as TiKV's resolve.rs); this store's own
  // address stays.
  void SetStoreAddress(uint64_t store_id, core::env::Address address);
  bool started() const { return started_; }
  bool halted() const { return halted_; }
  const absl::Status& halt_status() const { return halt_status_; }
  // The initialized regions hosted here, by id.
  std::vector<core::region::Region> Regions() const;
  // nullptr when the store has no live peer of the region.
  const PeerFsm* FindPeer(uint64_t region_id) const;
  std::optional<metapb::Region> Tombstone(uint64_t region_id) const;
  size_t peer_count() const { return peers_.size(); }
  size_t hibernated_peer_count() const;
  const store::ReadyLoopStats& ready_loop_stats() const {
    return ready_loop_.stats();
  }
  const StoreStats& stats() const { return stats_; }
  const store::transport::TransportStats& transport_stats() const {
    return transport_.stats();
  }

  // PeerFsmHost.
  void SendRaftMessage(raft_serverpb::RaftMessage message) override;
  bool SendSnapshot(const raft_serverpb::RaftMessage& message,
                    const SnapshotSource& source) override;
  std::unique_ptr<core::engine::RangeIngester> TakeReceivedSnapshot(
      uint64_t region_id, core::raft::Index index) override;
  std::optional<core::region::Region> SiblingRegion(
      const core::region::Region& region) override;
  void OnSplit(PeerFsm& peer, std::vector<core::region::Region> regions,
               bool was_leader) override;
  void OnRemoved(PeerFsm& peer) override;
  void OnPeerHalt(PeerFsm& peer, const absl::Status& status) override;
  ExistingPeer PeerForSplit(uint64_t region_id) override;
  absl::Status CatchUpMergeSource(const core::region::Region& source,
                                  core::raft::Index commit,
                                  const std::vector<core::raft::Entry>& entries,
                                  core::env::WriteBatch* batch) override;
  void ScheduleMerge(PeerFsm& source) override;
  void OnCommitMerge(PeerFsm& target, uint64_t source_id) override;

 private:
  struct PendingSplit {
    std::vector<core::region::Region> regions;
    bool was_leader = false;
  };

  Store(core::env::Env env, const StoreOptions& options);
  absl::Status Recover();
  PeerFsmOptions PeerOptionsFor(const metapb::Peer& peer,
                                core::region::Region region,
                                bool initialized) const;

  void Boot();
  // Campaigns every region whose sole peer is this store's voter.
  void CampaignSoleVoters();
  void TickLoop();
  // Ticks every peer for the base ticks due by the monotonic clock (also
  // before a read, so a lease is judged on the time that really passed).
  void CatchUpTicks();
  // store_split_check.cc.
  void SplitCheckLoop();
  void MaybeSplit(uint64_t region_id);
  absl::Status ProposeSplit(uint64_t region_id,
                            const core::region::Region& measured,
                            const std::string& split_key);
  void RaftLoop();
  void OnFrame(const core::env::Address& from, std::string frame);
  void OnSnapshotChunk(const core::env::Address& from, std::string_view frame);
  void Enqueue(raft_serverpb::RaftMessage message);
  void DrainInbox();
  void RouteRaftMessage(const raft_serverpb::RaftMessage& message);
  void DeliverToLivePeer(PeerFsm& peer,
                         const raft_serverpb::RaftMessage& message,
                         const core::raft::Message& raft_message);
  void MaybeCreatePeer(const raft_serverpb::RaftMessage& message,
                       const core::raft::Message& raft_message);
  bool TombstoneRefuses(const raft_serverpb::RaftMessage& message) const;
  // A region here (other than `region_id`) overlapping [start_key,
  // end_key), or nullptr.
  const core::region::Region* OverlappingRegion(
      uint64_t region_id, const std::string& start_key,
      const std::string& end_key) const;
  void RememberSplitVote(const raft_serverpb::RaftMessage& message);
  void ReplaySplitVotes(uint64_t region_id);
  bool SnapshotAcceptable(const PeerFsm& peer,
                          const core::raft::Message& raft_message);
  void HandleGcMessage(PeerFsm& peer, const raft_serverpb::RaftMessage& gc);
  PeerFsm* AddPeer(const PeerFsmOptions& options);

  void HandleReadies();
  void FlushMessages();
  void SendFrame(const core::env::Address& address,
                 const std::vector<const raft_serverpb::RaftMessage*>& batch);
  void ReportUnreachable(const raft_serverpb::RaftMessage& message);
  void CreateSplitPeers();
  // `keep_data`: a merged source, whose range its target holds now.
  void DestroyPeer(uint64_t region_id, bool keep_data = false);
  void Halt(const absl::Status& status);
  void FailAllPending(const errorpb::Error& error);

  core::env::Env env_;
  StoreOptions options_;
  std::map<uint64_t, std::unique_ptr<PeerFsm>> peers_;
  std::map<uint64_t, metapb::Region> tombstones_;
  std::deque<raft_serverpb::RaftMessage> inbox_;
  std::map<uint64_t, std::vector<raft_serverpb::RaftMessage>> outbox_;
  std::vector<PendingSplit> pending_splits_;
  std::vector<uint64_t> pending_destroys_;
  // Sources merged into a local target, destroyed keeping their data.
  std::vector<uint64_t> pending_merged_;
  // Sources whose CommitMerge a local target has yet to answer.
  std::set<uint64_t> merges_in_flight_;
  // Votes for regions that a split here has yet to create (their range
  // overlaps the parent's): replayed when the split creates the peer, so
  // that the parent leader's campaign is not lost (Ref: TiKV's
  // StoreMeta::pending_msgs).
  std::deque<raft_serverpb::RaftMessage> split_votes_;
  // Regions of the snapshots accepted since the last Ready iteration (they
  // are installed by the next one): no two may overlap.
  std::vector<core::region::Region> pending_snapshot_regions_;
  SnapshotReceiver snapshot_receiver_;
  store::ReadyLoop ready_loop_;
  store::transport::Transport transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  std::unique_ptr<core::env::Event> wake_;
  store::TickCatchUp ticks_;
  StoreStats stats_;
  bool started_ = false;
  bool closed_ = false;
  bool halted_ = false;
  absl::Status halt_status_;
};

// A message that may create a peer for an unknown region: a vote, a
// pre-vote, or a leader's first heartbeat (commit 0). Ref: TiKV
// raftstore util.rs is_initial_msg.
bool IsInitialMessage(const core::raft::Message& message);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_STORE_H_
