// RegisterNode: one member of the replicated register, a one-region
// workload running on the store's Raft peer (store/peer): the same Peer,
// PeerStorage and ReadyLoop the store runs once per region, here with the
// register's KvStateMachine as the Applier and the store's stream transport
// (store/transport) for Raft messages and client traffic alike. It uses
// core::env only (clock, executor, network streams, engine, fault points):
//
//   tick fibre   every tick_interval of monotonic time: Tick() (catching up
//                the ticks a pause or a slow clock skipped, within a bound);
//   receive      the TransportServer at the node's listen address (its
//                accept and reader fibres): frames from a member's address
//                are Raft messages, Stepped; frames from anyone else are
//                client requests, proposed (put, cas) or turned into
//                ReadIndex requests (get), after catching up the ticks, so
//                a node resumed from a pause does not serve a lease read on
//                a lease its missed ticks had ended;
//   send         the Transport: a queue and a sender fibre per member and
//                per client (answers go to the client's listen address);
//   ready fibre  the ReadyLoop over the one peer (store/peer/ready_loop.h);
//                writes are answered from the KvStateMachine once applied,
//                reads once the applied index reaches their read index.
//
// Restart: Create() recovers the durable state (RecoverRegisterState) and
// Start() writes the recovery's repairs (synced) before it listens or any
// message goes out. Storage errors are fail-stop: the node closes its
// transport, stops its fibres and reports NodeObserver::OnHalt; its host
// decides whether to restart it.
//
// Clients: a request is answered by the node it was sent to. Writes carry
// (client, seq) and are applied at most once (KvStateMachine); a node
// without a leader answers kUnavailable with its leader hint. Reads are
// ReadIndex reads (Ref: Raft thesis §6.4), served once applied; with
// ReadOnlyOption::kLeaseBased and check_quorum they are lease reads (§6.4.1).
//
// Thread-affinity: every method runs on the node's executor; the accessors
// are for the host's observers between steps.
#ifndef SIM_REGISTER_REGISTER_NODE_H_
#define SIM_REGISTER_REGISTER_NODE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/env.h"
#include "core/raft/raw_node.h"
#include "sim/register/kv_state_machine.h"
#include "sim/register/protocol.h"
#include "store/peer/peer.h"
#include "store/peer/peer_storage.h"
#include "store/peer/ready_loop.h"
#include "store/peer/tick_catch_up.h"
#include "store/transport/transport.h"

namespace sim::register_kv {

using core::raft::NodeId;

// The register is one region.
inline constexpr store::RegionId kRegisterRegionId = 1;

// The register's durable Raft state as recovery finds it on `engine`.
absl::StatusOr<store::RecoveredPeerState> RecoverRegisterState(
    core::env::Engine& engine);

struct RegisterNodeOptions {
  NodeId id = core::raft::kNone;
  // Every member's listen address, this node's own included (it listens
  // there, and announces it to the others). The members are the Raft
  // voters; a frame from any other address is a client's.
  std::map<NodeId, core::env::Address> members;
  // `local_address` is filled in by the node (its member address).
  store::transport::TransportOptions transport;
  // Raft settings; `id` and `applied` are filled in by the node.
  core::raft::Config raft;
  core::base::Duration tick_interval = core::base::Duration::Milliseconds(10);
  // At most this many ticks are replayed at once when the tick fibre ran
  // late (a pause, a slow clock).
  int max_catch_up_ticks = 50;
};

// What a node reports to its host (the simulator's oracles, the store's
// metrics). Calls happen on the node's fibres.
class NodeObserver {
 public:
  virtual ~NodeObserver() = default;
  // The node's state may have changed: it started, or handled a Ready.
  virtual void AfterStep(NodeId id) = 0;
  // A linearizable read `ctx` is about to be requested from Raft.
  virtual void OnReadRequested(NodeId id, const std::string& ctx) = 0;
  // Raft answered read `ctx` with `read_index`.
  virtual void OnReadServed(NodeId id, const std::string& ctx,
                            core::raft::Index read_index) = 0;
  // The node stopped after a storage failure and will do nothing more.
  virtual void OnHalt(NodeId id, const absl::Status& status) = 0;
};

class RegisterNode final : public store::PeerHost {
 public:
  // Recovers the node's state from env.engine (reads only; nothing parks).
  // Fails with the engine's error, e.g. kDataLoss for corruption.
  static absl::StatusOr<std::unique_ptr<RegisterNode>> Create(
      core::env::Env env, const RegisterNodeOptions& options,
      NodeObserver* observer);
  RegisterNode(const RegisterNode&) = delete;
  RegisterNode& operator=(const RegisterNode&) = delete;

  // Spawns the boot fibre: writes the recovery repairs, listens, starts the
  // tick and Ready fibres.
  void Start();

  NodeId id() const { return options_.id; }
  bool halted() const { return halted_; }
  bool started() const { return started_; }
  const core::raft::RawNode& raw_node() const { return peer_->raw_node(); }
  const store::PeerStorage& log_store() const { return peer_->storage(); }
  core::raft::Index applied_index() const { return peer_->applied_index(); }
  // Repairs made by recovery at this boot (for logs).
  const std::vector<std::string>& recovery_repairs() const {
    return peer_->recovery_repairs();
  }
  const store::transport::TransportStats& transport_stats() const {
    return transport_.stats();
  }

  // store::PeerHost.
  bool Send(store::RegionId region_id,
            const core::raft::Message& message) override;
  void OnReadIndex(const std::string& ctx,
                   core::raft::Index read_index) override;
  void OnReadReady(const std::string& ctx) override;
  void OnHalt(const absl::Status& status) override;

 private:
  struct PendingRead {
    uint64_t client = 0;
    uint64_t seq = 0;
    std::string key;
    core::env::Address from;
  };

  RegisterNode(core::env::Env env, const RegisterNodeOptions& options,
               NodeObserver* observer);

  void Boot();
  void TickLoop();
  void ReadyLoop();
  void CatchUpTicks();
  void OnFrame(const core::env::Address& from, std::string frame);
  void OnRaftMessage(NodeId from, const std::string& frame);
  void OnRequest(const Command& command, const core::env::Address& from);
  void OnApplied(const std::vector<AppliedCommand>& results);
  void Respond(const core::env::Address& to, Response response);

  core::env::Env env_;
  RegisterNodeOptions options_;
  NodeObserver* observer_;
  KvStateMachine state_machine_;
  std::unique_ptr<store::Peer> peer_;
  store::ReadyLoop ready_loop_;
  // Members by listen address: who a frame's sender is.
  std::map<core::env::Address, NodeId> member_ids_;
  store::transport::Transport transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  std::unique_ptr<core::env::Event> ready_event_;
  store::TickCatchUp ticks_;
  bool started_ = false;
  bool halted_ = false;
  // Writes proposed here, awaiting application: (client, seq) -> client.
  std::map<std::pair<uint64_t, uint64_t>, core::env::Address> pending_writes_;
  // Reads awaiting their read index and then the applied index, by context.
  std::map<std::string, PendingRead> pending_reads_;
  std::string read_ctx_prefix_;
  uint64_t next_read_ = 0;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_NODE_H_
