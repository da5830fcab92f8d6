// PeerFsm: one region's peer on a store, as the store drives it (TiKV's
// PeerFsm, components/raftstore/src/store/fsm/peer.rs): the shared
// store::Peer over a RegionApplier, the region's commands from proposal to
// answer, and its Raft messages wrapped in raft_serverpb.RaftMessage
// envelopes (to and from peers named by metapb.Peer: peer ids are Raft ids).
//
// Commands. Propose checks what can be checked before Raft (initialized,
// this peer, leader, term, epoch, keys, size, the bounded proposal queue)
// and answers a refusal at once with its region error; an accepted command
// is answered after it is applied (RegionApplier checks it again there). A
// proposal whose entry was overwritten, or applied without it (a snapshot,
// a new leader's entry), is answered StaleCommand; so is every pending one
// when the peer steps down as leader (its outcome is then undetermined:
// retry), and the store answers the rest when it destroys the peer. Nothing
// waits forever.
//
// Epochs checked at proposal and apply (Ref: TiKV util.rs
// admin_cmd_epoch_lookup): writes check version, BatchSplit and
// TransferLeader both, ChangePeer and ChangePeerV2 conf_ver, CompactLog
// neither.
//
// Log GC (raft_log_gc.h): every raft_log_gc.tick_interval_ticks the leader
// may propose CompactLog; every replica compacts its log when it applies it.
//
// Hibernation (HibernateOptions): a leader idle for idle_ticks (nothing
// pending, every peer matched, all applied) sends MsgHibernateRequest; a
// follower as caught up answers MsgHibernateResponse and stops ticking;
// once every peer answered, the leader stops too. Any Raft message or
// command wakes a peer; a follower woken by a command, or by its
// follower_wake_ticks timeout, sends MsgRegionWakeUp to its leader.
//
// Leader transfer (Ref: TiKV Peer::propose_transfer_leader): never logged;
// the leader refuses a target that is not a voter of the region, that lags
// more than leader_transfer_max_log_lag entries, or while a conf change is
// pending; otherwise Raft's transfer starts (MsgTimeoutNow once the target
// caught up) and the answer comes at once.
//
// Stale peers. A message from a store without a peer in our region, with an
// older epoch, is dropped; if it asks for votes, the sender was removed
// while away and is told so with a tombstone message (TiKV
// handle_stale_msg's gc), which makes its store destroy it.
//
// Thread-affinity: the store's executor. Propose and Tick never park.
#ifndef STORE_RAFTSTORE_PEER_FSM_H_
#define STORE_RAFTSTORE_PEER_FSM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/env.h"
#include "core/raft/raft.h"
#include "core/region/region.h"
#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "store/peer/peer.h"
#include "store/raftstore/apply.h"
#include "store/raftstore/raft_log_gc.h"

namespace store::raftstore {

// Called once with a command's answer.
using CommandCallback = std::function<void(raft_cmdpb::RaftCmdResponse)>;

// A read's answer (TiKV's ReadResponse with a RegionSnapshot): a region
// error, or the region's data (user keys, region_snapshot.h) at an applied
// index at or after every write acknowledged before the read was asked,
// with the region as the peer knew it then.
struct ReadResponse {
  std::optional<errorpb::Error> error;
  std::shared_ptr<const core::env::Snapshot> snapshot;
  core::region::Region region;
};
using ReadCallback = std::function<void(ReadResponse)>;

// How reads were served (peer_read.cc).
struct PeerReadStats {
  uint64_t lease_reads = 0;       // locally, inside the leader lease
  uint64_t read_index_reads = 0;  // after a ReadIndex round
  uint64_t read_errors = 0;       // refused, dropped or timed out
};

class PeerFsm;

// What a peer needs from, and tells, its store.
class PeerFsmHost : public ApplyHost {
 public:
  // Queues `message` for its destination store (sent batched per store).
  virtual void SendRaftMessage(raft_serverpb::RaftMessage message) = 0;
  // Sends `message` (a MsgSnap) with the data of `source` as a chunked
  // snapshot stream (snapshot.h); false when it could not be queued.
  virtual bool SendSnapshot(const raft_serverpb::RaftMessage& message,
                            const SnapshotSource& source) = 0;
  // A region of this store next to `region` that a split of it made, if
  // any (EpochNotMatch carries it, so the client finds the moved range).
  virtual std::optional<core::region::Region> SiblingRegion(
      const core::region::Region& region) = 0;
  // After `peer` applied a split into `regions` (key order, itself among
  // them); `was_leader` whether it led the parent then.
  virtual void OnSplit(PeerFsm& peer, std::vector<core::region::Region> regions,
                       bool was_leader) = 0;
  // `peer` applied its own removal from the region.
  virtual void OnRemoved(PeerFsm& peer) = 0;
  // `peer` stopped after a storage failure.
  virtual void OnPeerHalt(PeerFsm& peer, const absl::Status& status) = 0;
  // `source` is merging (PrepareMerge applied, or recovered so): propose
  // its CommitMerge to the local target peer (peer_fsm_merge.cc).
  virtual void ScheduleMerge(PeerFsm& source) {}
  // `target` applied CommitMerge of region `source_id`: destroy the local
  // source peer (its data is the target's now).
  virtual void OnCommitMerge(PeerFsm& target, uint64_t source_id) {}
};

// Hibernate regions (Ref: TiKV hibernate-regions, components/raftstore/src/
// store/hibernate_state.rs and PeerFsm's tick checks).
struct HibernateOptions {
  // TiKV's default is on; off here until the simulator sweeps cover it.
  bool enabled = false;
  // An idle leader asks its followers to sleep after this many idle ticks.
  int idle_ticks = 10;
  // A sleeping follower wakes after this many base ticks anyway (TiKV's
  // abnormal-leader-missing-duration, 10 min at 1 s ticks): a leader that
  // died while its group slept is replaced then.
  int follower_wake_ticks = 600;
};

struct PeerFsmOptions {
  uint64_t store_id = 0;
  // This store's peer of the region.
  metapb::Peer peer;
  // The region; only its id when not `initialized` (a peer created by a
  // message learns its region from a snapshot).
  core::region::Region region;
  bool initialized = false;
  // `id` and `applied` are filled in.
  core::raft::Config raft;
  uint64_t raft_entry_max_size_bytes = 8 << 20;
  size_t max_pending_proposals = 1024;
  RaftLogGcOptions raft_log_gc;
  HibernateOptions hibernate;
  // TiKV leader-transfer-max-log-lag: a transfer to a peer further behind
  // the leader's last index is refused.
  uint64_t leader_transfer_max_log_lag = 128;
  // TiKV merge-max-log-gap: PrepareMerge is refused while a peer lags the
  // leader's last index by more.
  uint64_t merge_max_log_gap = 128;
  // A merging source retries its CommitMerge every this many ticks.
  int merge_check_tick_interval_ticks = 2;
  // Recovered with a Merging region.
  std::optional<raft_serverpb::MergeState> merge_state;
};

class PeerFsm final : public store::PeerHost {
 public:
  // Recovers the peer's Raft state from the engine (reads only).
  static absl::StatusOr<std::unique_ptr<PeerFsm>> Create(
      core::env::Env env, const PeerFsmOptions& options, PeerFsmHost* host);
  PeerFsm(const PeerFsm&) = delete;
  PeerFsm& operator=(const PeerFsm&) = delete;

  uint64_t region_id() const { return options_.region.id; }
  uint64_t peer_id() const { return options_.peer.id(); }
  const metapb::Peer& peer() const { return options_.peer; }
  const core::region::Region& region() const { return applier_.region(); }
  bool initialized() const { return applier_.initialized(); }
  bool is_leader() const;
  // The leader as this peer knows it.
  std::optional<metapb::Peer> leader() const;
  store::Peer& raft_peer() { return *peer_; }
  const store::Peer& raft_peer() const { return *peer_; }
  size_t pending_proposals() const { return proposals_.size(); }

  // Proposes `cmd` (its region and store already checked by the store);
  // `done` runs with the answer, at once for a refusal.
  void Propose(raft_cmdpb::RaftCmdRequest cmd, CommandCallback done);
  // A consistent snapshot for a read (TiKV peer.rs read_index and
  // LocalReader, peer_read.cc): checked as a command (initialized, this
  // peer, epoch version, term); a leader whose lease is valid and that has
  // applied an entry of its term serves it at once from its applied state;
  // otherwise (a leader outside its lease, or a follower when
  // `replica_read`) a ReadIndex round, answered once the applied index
  // reaches the read index. A follower without `replica_read` answers
  // NotLeader. A read not answered within two election timeouts (a lost
  // ReadIndex message), or pending on a leader that steps down, is answered
  // StaleCommand: nothing waits forever.
  void Read(const raft_cmdpb::RaftRequestHeader& header, bool replica_read,
            ReadCallback done);
  const PeerReadStats& read_stats() const { return read_stats_; }
  size_t pending_reads() const { return pending_reads_.size(); }
  // Steps `message` (the envelope's eraftpb message, converted); false
  // when it was dropped as stale.
  bool OnRaftMessage(const raft_serverpb::RaftMessage& envelope,
                     const core::raft::Message& message);
  // A base tick; false when the peer sleeps (hibernation: Raft is not
  // ticked).
  bool Tick();
  // Hibernation (peer_fsm_hibernate.cc). An extra_msg envelope
  // (MsgHibernateRequest / Response, MsgRegionWakeUp).
  void OnExtraMessage(const raft_serverpb::RaftMessage& envelope);
  bool hibernated() const { return hibernated_; }
  uint64_t raft_ticks() const { return raft_ticks_; }
  // Starts an election now (the peers of a split's new regions on the
  // parent leader's store do).
  void Campaign();
  // Answers every pending command with `error`.
  void FailPending(const errorpb::Error& error);
  // Adds to `batch` the writes that destroy this peer: its region state
  // becomes Tombstone, its Raft state and (if initialized and not
  // `keep_data`: a merged source's data is its target's) its range's data
  // are deleted. Returns the tombstone's region.
  metapb::Region AddDestroyWrites(core::env::WriteBatch* batch,
                                  bool keep_data = false) const;

  // Region merge (peer_fsm_merge.cc).
  const std::optional<raft_serverpb::MergeState>& merge_state() const {
    return applier_.merge_state();
  }
  // The CommitMerge this merging source sends its target: the source region,
  // the PrepareMerge's index and this peer's log after min_index up to it;
  // nullopt while that part of the log is not here.
  std::optional<raft_cmdpb::RaftCmdRequest> CommitMergeCommand(
      const metapb::Peer& target_peer) const;
  // The target answered `response` to CommitMergeCommand: a leader rolls
  // the merge back when the target's epoch moved (EpochNotMatch).
  void OnCommitMergeAnswer(const raft_cmdpb::RaftCmdResponse& response);
  // ApplyHost::CatchUpMergeSource for this (source) peer.
  absl::Status CatchUpForMerge(core::raft::Index commit,
                               const std::vector<core::raft::Entry>& entries,
                               core::env::WriteBatch* batch);

  // store::PeerHost.
  bool Send(RegionId region_id, const core::raft::Message& message) override;
  void OnReadReady(const std::string& ctx) override;
  void OnHalt(const absl::Status& status) override;

 private:
  struct Proposal {
    core::raft::Index index = 0;
    core::raft::Term term = 0;
    std::string uuid;
    CommandCallback done;
  };

  struct PendingRead {
    uint64_t issued_tick = 0;
    ReadCallback done;
  };

  PeerFsm(core::env::Env env, const PeerFsmOptions& options, PeerFsmHost* host);

  // The read path (peer_read.cc).
  std::optional<errorpb::Error> CheckRead(
      const raft_cmdpb::RaftRequestHeader& header, bool replica_read) const;
  bool LeaseReadable() const;
  ReadResponse SnapshotNow() const;
  void FailReads(const errorpb::Error& error);
  void ExpireReads();

  std::optional<raft_cmdpb::RaftCmdResponse> CheckProposal(
      const raft_cmdpb::RaftCmdRequest& cmd) const;
  std::optional<raft_cmdpb::RaftCmdResponse> CheckEpochAtProposal(
      const raft_cmdpb::RaftCmdRequest& cmd) const;
  // TransferLeader is not logged: the leader checks and starts it at once.
  raft_cmdpb::RaftCmdResponse ProposeTransferLeader(
      const raft_cmdpb::RaftCmdRequest& cmd);
  void OnRaftLogGcTick();
  // PrepareMerge's checks and min_index (TiKV pre_propose_prepare_merge).
  std::optional<raft_cmdpb::RaftCmdResponse> PreProposePrepareMerge(
      raft_cmdpb::RaftCmdRequest* cmd) const;
  std::optional<raft_cmdpb::RaftCmdResponse> CheckMerging(
      const raft_cmdpb::RaftCmdRequest& cmd) const;
  // Hibernation (peer_fsm_hibernate.cc).
  bool IdleLeader() const;
  bool IdleFollower(uint64_t leader_id) const;
  void MaybeHibernate();
  // Resumes ticking; `tell_leader`: a follower woken by a command or its
  // timeout wakes its leader too.
  void WakeUp(bool tell_leader);
  void SendExtraMessage(const metapb::Peer& to,
                        raft_serverpb::ExtraMessageType type);
  void OnApplied(core::raft::Index applied_index);
  void Answer(const AppliedCommand& command);
  void FailFront(const std::string& why);
  std::optional<metapb::Peer> FindPeer(uint64_t peer_id) const;
  void SendGcMessage(const raft_serverpb::RaftMessage& stale);

  core::env::Env env_;
  PeerFsmOptions options_;
  PeerFsmHost* host_;
  RegionApplier applier_;
  std::unique_ptr<store::Peer> peer_;
  // Oldest first; indexes increase.
  std::deque<Proposal> proposals_;
  // Peers heard from (an uninitialized peer knows no region to look in).
  std::map<uint64_t, metapb::Peer> peer_cache_;
  bool was_leader_ = false;
  int raft_log_gc_ticks_ = 0;
  int merge_check_ticks_ = 0;
  uint64_t raft_ticks_ = 0;
  bool hibernated_ = false;
  // Idle ticks as leader (asking to sleep from hibernate.idle_ticks on),
  // and the followers that agreed since.
  int idle_ticks_ = 0;
  std::set<uint64_t> hibernate_acks_;
  int hibernated_ticks_ = 0;
  // Reads waiting for their ReadIndex, by request context.
  std::map<std::string, PendingRead> pending_reads_;
  uint64_t next_read_id_ = 0;
  PeerReadStats read_stats_;
};

// Whether a command `cmd` is a ChangePeer or ChangePeerV2 (proposed as a
// Raft conf change).
bool IsConfChangeCommand(const raft_cmdpb::RaftCmdRequest& cmd);

// What an epoch check of `cmd` compares.
core::region::EpochCheck EpochCheckFor(const raft_cmdpb::RaftCmdRequest& cmd);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_PEER_FSM_H_
