// PdMember: one member of PD's replicated group (1, 3 or 5 of them), what
// TiKV's PD gets from its embedded etcd, here on the store's Raft peer
// (store/peer): one region of its own (kPdRegionId) with the PdStateMachine
// as its Applier, the one ReadyLoop, and the store's stream transport
// between members. It uses core::env only.
//
// Fibres:
//   tick      every tick_interval of monotonic time: RawNode::Tick (catching
//             up ticks a pause or a slow clock skipped, within a bound);
//   receive   the TransportServer at the member's peer address: frames from
//             members are Raft messages, Stepped;
//   ready     the ReadyLoop over the peer; after each Ready, leadership is
//             re-evaluated (below) and the log compacted when long;
//   tso       every tso_update_interval, as leader: Tso::Tick with the
//             realtime clock (Ref: PD tso-update-physical-interval, 50 ms);
//   schedule  every schedule_interval, as leader: Coordinator::RunRound;
//   one fibre per persistence write (TSO window, ID window) and per
//   proposal made for a background task.
//
// Leadership. The PD leader is the Raft leader once it has applied every
// entry up to the ones it found when it won (the no-op of its term
// included): only then is its PdState complete. It then starts the TSO
// (pd/core/tso) above the saved bound, the ID allocator above the saved end,
// and a Coordinator loaded with the persisted stores and regions; the first
// leader also draws the cluster id. Losing the Raft leadership (or a new
// term) stops all three at once. IsLeader() says whether this member leads;
// ConfirmLeadership() proves it holds the lease now: a ReadIndex, answered
// at once from the Raft leader lease (check-quorum, kLeaseBased), else
// after a heartbeat round. Ref: Raft thesis §6.4.1.
//
// TSO safety. A window's upper bound is committed through Raft and applied
// before any timestamp under it is served (Tso's persist contract), a new
// leader starts above the largest bound ever applied, and every TSO request
// is served only after a ConfirmLeadership issued after the request
// arrived, so a deposed leader cannot answer once another has been
// elected: timestamps increase strictly across failover and backwards
// clock jumps. IDs follow the same window rule (pd/core/id).
//
// Proposals. Propose() blocks the calling fibre until the command is
// applied (its outcome) or proposal_timeout passes (kDeadlineExceeded: it
// may still apply later). Only the PD leader proposes.
//
// Restart: Create() recovers the peer and the PdState from env.engine;
// Start() writes the recovery's repairs (synced) before anything is sent.
// Storage errors are fail-stop: the member closes its transport, stops its
// fibres and reports PdMemberObserver::OnHalt.
//
// Thread-affinity: every method on the member's executor. The coordinator
// pointer is valid until the next blocking call (leadership may end then).
#ifndef PD_SERVER_PD_MEMBER_H_
#define PD_SERVER_PD_MEMBER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/base/timestamp.h"
#include "core/env/env.h"
#include "core/raft/raw_node.h"
#include "pd/core/coordinator/coordinator.h"
#include "pd/core/id/id_allocator.h"
#include "pd/core/tso/tso.h"
#include "pd/server/command.h"
#include "pd/server/pd_state.h"
#include "pd/server/pd_state_machine.h"
#include "store/peer/peer.h"
#include "store/peer/ready_loop.h"
#include "store/peer/tick_catch_up.h"
#include "store/transport/transport.h"

namespace pd::server {

using core::raft::NodeId;

// PD's replicated state is one Raft group: a region of its own.
inline constexpr store::RegionId kPdRegionId = 1;

struct MemberInfo {
  std::string name;
  // Raft traffic between members ("host:port").
  core::env::Address peer_address;
  // Where clients call this member ("host:port"; URLs add the scheme).
  core::env::Address client_address;
};

// "http://host:port": clients parse these (reference/interop.md §0).
std::string ClientUrl(const MemberInfo& member);
std::string PeerUrl(const MemberInfo& member);

// Raft as PD needs it: check-quorum and lease reads (the TSO serves only
// under a lease), pre-vote, no proposal forwarding (only the leader
// proposes). 10 ticks to an election; the lease lasts 7, leaving room for
// ticks delivered late and clock drift (core/raft/raft.h lease_ticks).
core::raft::Config DefaultPdRaftConfig();

struct PdMemberOptions {
  NodeId id = core::raft::kNone;
  // Every member, this one included; the Raft voters.
  std::map<NodeId, MemberInfo> members;
  // `local_address` is filled in (the member's peer address).
  store::transport::TransportOptions transport;
  // `id` and `applied` are filled in; check_quorum and kLeaseBased are
  // required.
  core::raft::Config raft = DefaultPdRaftConfig();
  core::base::Duration tick_interval = core::base::Duration::Milliseconds(100);
  int max_catch_up_ticks = 50;
  tso::TsoOptions tso;
  core::base::Duration tso_update_interval =
      core::base::Duration::Milliseconds(50);
  id::IdAllocatorOptions id_allocator;
  coordinator::CoordinatorOptions coordinator;
  core::base::Duration schedule_interval =
      core::base::Duration::Milliseconds(500);
  core::base::Duration proposal_timeout = core::base::Duration::Seconds(3);
  core::base::Duration read_index_timeout = core::base::Duration::Seconds(1);
  // How long a TSO or ID request waits for a window to be persisted (or
  // the logical clock to move on) before it fails.
  core::base::Duration allocate_timeout = core::base::Duration::Seconds(3);
  // The log is compacted once this many entries are applied past its start.
  uint64_t compact_log_entries = 1000;
};

// What a member reports to its host (the simulator's oracles). Calls happen
// on the member's fibres.
class PdMemberObserver {
 public:
  virtual ~PdMemberObserver() = default;
  // The member handled a Ready (its Raft state may have changed).
  virtual void AfterStep(NodeId id) {}
  // The member stopped after a storage failure and does nothing more.
  virtual void OnHalt(NodeId id, const absl::Status& status) {}
};

// kUnavailable "not leader" (what a follower answers; the service adds the
// leader's address).
absl::Status NotLeaderError();
bool IsNotLeader(const absl::Status& status);

class PdMember final : public store::PeerHost {
 public:
  // Recovers the member from env.engine (reads only; nothing parks). Fails
  // with the engine's error, e.g. kDataLoss for corruption.
  static absl::StatusOr<std::unique_ptr<PdMember>> Create(
      core::env::Env env, const PdMemberOptions& options,
      PdMemberObserver* observer);
  ~PdMember() override;
  PdMember(const PdMember&) = delete;
  PdMember& operator=(const PdMember&) = delete;

  // Spawns the boot fibre: repairs, listen, then the other fibres.
  void Start();

  // ----- leadership
  bool IsLeader() const;
  // The member this one believes leads; kNone when it knows none.
  NodeId leader_id() const;
  // Blocks until Raft confirms this member still leads (see the file
  // comment); kUnavailable when it does not, kDeadlineExceeded after
  // read_index_timeout.
  absl::Status ConfirmLeadership();

  // ----- replicated state
  const PdState& state() const { return state_machine_->state(); }
  // Blocks until `body` is applied; its outcome. kUnavailable when this
  // member does not lead, kDeadlineExceeded after proposal_timeout.
  absl::StatusOr<CommandOutcome> Propose(CommandBody body);

  // ----- what only the leader serves
  // `count` consecutive timestamps after ConfirmLeadership; the greatest
  // (Ref: pdpb.TsoResponse). kInvalidArgument for a count of 0 or above
  // the logical space, kUnavailable when not leading, kDeadlineExceeded
  // when no durable window came within allocate_timeout.
  absl::StatusOr<core::base::TimeStamp> AllocateTimestamps(uint32_t count);
  // A fresh id, unique across failovers (kUnavailable, kDeadlineExceeded).
  absl::StatusOr<uint64_t> AllocId();
  // Proposes `body` on a fibre of its own, for work nobody waits for (a
  // region's metadata, a store buried by the scheduler).
  void ProposeInBackground(CommandBody body);
  // The scheduling loop of this leadership; null when not leading.
  coordinator::Coordinator* coordinator() { return coordinator_.get(); }

  // Time as the coordinator (monotonic) and the TSO and GC (realtime) see
  // it, in milliseconds.
  int64_t NowMonotonicMs();
  int64_t NowRealtimeMs();
  // Called (on this member's executor) whenever the coordinator may have
  // new operators: after each scheduling round, and by the handlers that
  // add operators (split, scatter). The service sends their first steps to
  // the region leaders; null (the default) leaves them to the heartbeats.
  void set_operators_added_listener(std::function<void()> listener) {
    operators_added_ = std::move(listener);
  }
  void NotifyOperatorsAdded() {
    if (operators_added_) operators_added_();
  }
  // Parks the calling fibre (a handler waiting for an operator's effect).
  void SleepFor(core::base::Duration duration) {
    env_.executor.SleepFor(duration);
  }

  // ----- for hosts, tests and oracles
  NodeId id() const { return options_.id; }
  const PdMemberOptions& options() const { return options_; }
  const MemberInfo& info() const { return options_.members.at(options_.id); }
  bool started() const { return started_; }
  bool halted() const { return halted_; }
  const core::raft::RawNode& raw_node() const { return peer_->raw_node(); }
  core::raft::Index applied_index() const { return peer_->applied_index(); }
  const tso::Tso& tso() const { return tso_; }
  const store::transport::TransportStats& transport_stats() const {
    return transport_.stats();
  }

  // store::PeerHost.
  bool Send(store::RegionId region_id,
            const core::raft::Message& message) override;
  void OnReadReady(const std::string& ctx) override;
  void OnHalt(const absl::Status& status) override;

 private:
  class Waiters;  // pd_member.cc
  struct PendingProposal;

  PdMember(core::env::Env env, const PdMemberOptions& options,
           PdMemberObserver* observer,
           std::unique_ptr<PdStateMachine> state_machine);

  void Boot();
  void TickLoop();
  void ReadyLoop();
  void TsoLoop();
  void ScheduleLoop();
  void CatchUpTicks();
  void OnFrame(const core::env::Address& from, std::string frame);
  void OnApplied(std::vector<AppliedCommand> applied);

  void UpdateLeadership();
  void BecomeLeader(core::raft::Term term);
  void StepDown();
  std::unique_ptr<coordinator::Coordinator> MakeCoordinator();
  // Starts a write for every persistence request the TSO and the ID
  // allocator have (each on a fibre of its own).
  void PumpPersistence();
  void PersistTsoWindow(tso::PersistRequest request);
  void PersistIdWindow(id::IdPersistRequest request);
  void MaybeCompactLog();

  core::env::Env env_;
  PdMemberOptions options_;
  PdMemberObserver* observer_;
  std::unique_ptr<PdStateMachine> state_machine_;
  std::unique_ptr<store::Peer> peer_;
  store::ReadyLoop ready_loop_;
  std::map<core::env::Address, NodeId> member_ids_;
  store::transport::Transport transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  std::unique_ptr<core::env::Event> ready_event_;
  store::TickCatchUp ticks_;
  bool started_ = false;
  bool halted_ = false;
  std::function<void()> operators_added_;

  // Leadership: `leader_term_` is the term led when `leading_`; while the
  // Raft leader waits to catch up, `catch_up_term_` / `catch_up_index_`.
  bool leading_ = false;
  core::raft::Term leader_term_ = 0;
  core::raft::Term catch_up_term_ = 0;
  core::raft::Index catch_up_index_ = 0;
  tso::Tso tso_;
  id::IdAllocator ids_;
  core::base::Prng schedule_prng_;
  std::unique_ptr<coordinator::Coordinator> coordinator_;
  // Woken when a TSO or ID window is persisted, the TSO ticks, or the
  // leadership ends.
  std::unique_ptr<Waiters> window_waiters_;

  const uint64_t proposal_nonce_;
  uint64_t next_proposal_seq_ = 0;
  std::map<uint64_t, PendingProposal*> proposals_;
  std::string read_ctx_prefix_;
  uint64_t next_read_ = 0;
  std::map<std::string, core::env::Event*> reads_;
};

}  // namespace pd::server

#endif  // PD_SERVER_PD_MEMBER_H_
