// RegisterNode: one member of the replicated register, the proving ground
// for the store's peer loop. It drives a core::raft::RawNode against
// core::env only (clock, executor, datagram network, engine, fault points),
// so the same code can run in the simulator and, later, in the store:
//
//   tick fibre   every tick_interval of monotonic time: Tick() (catching up
//                the ticks a pause or a slow clock skipped, within a bound);
//   recv fibre   datagrams: Raft messages are Stepped; client requests are
//                proposed (put, cas) or become ReadIndex requests (get);
//   ready fibre  the Ready loop, in the order of raw_node.h: send
//                `messages`; persist entries and hard state to Cf::kRaft
//                (synced when must_sync); only then send
//                `persisted_messages`; apply committed entries to the
//                KvStateMachine; answer the clients whose writes applied and
//                whose reads reached their read index; Advance.
//
// Restart: Create() recovers the durable state (RecoverRaftState, the
// applied index) and Start() writes the recovery's repairs (synced) before
// any message goes out.
//
// Storage errors are fail-stop (Ref: core/raft/storage.h, etcd's contract):
// on any engine failure the node closes its socket, stops its fibres and
// reports NodeObserver::OnHalt; its host decides whether to restart it.
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
#include "sim/register/raft_log_store.h"

namespace sim::register_kv {

using core::raft::NodeId;

struct RegisterNodeOptions {
  NodeId id = core::raft::kNone;
  // Every member's datagram address, this node's own included (it binds
  // there). The members are the Raft voters.
  std::map<NodeId, core::env::Address> members;
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

class RegisterNode {
 public:
  // Recovers the node's state from env.engine (reads only; nothing parks).
  // Fails with the engine's error, e.g. kDataLoss for corruption.
  static absl::StatusOr<std::unique_ptr<RegisterNode>> Create(
      core::env::Env env, const RegisterNodeOptions& options,
      NodeObserver* observer);
  RegisterNode(const RegisterNode&) = delete;
  RegisterNode& operator=(const RegisterNode&) = delete;

  // Spawns the boot fibre: writes the recovery repairs, binds the socket,
  // starts the tick, receive and Ready fibres.
  void Start();

  NodeId id() const { return options_.id; }
  bool halted() const { return halted_; }
  bool started() const { return started_; }
  const core::raft::RawNode& raw_node() const { return *raw_node_; }
  const RaftLogStore& log_store() const { return store_; }
  core::raft::Index applied_index() const { return applied_; }
  // Repairs made by recovery at this boot (for logs).
  const std::vector<std::string>& recovery_repairs() const { return repairs_; }

 private:
  struct PendingRead {
    uint64_t client = 0;
    uint64_t seq = 0;
    std::string key;
    core::env::Address from;
  };

  RegisterNode(core::env::Env env, const RegisterNodeOptions& options,
               NodeObserver* observer, RecoveredRaftState recovered);

  void Boot();
  void TickLoop();
  void ReceiveLoop();
  void ReadyLoop();
  void CatchUpTicks();
  void OnDatagram(const core::env::Datagram& datagram);
  void OnRequest(const Command& command, const core::env::Address& from);
  void HandleReady();
  bool Persist(core::raft::Ready& ready);
  bool InjectSyncFailure(const core::raft::Ready& ready);
  bool Apply(const core::raft::Ready& ready);
  void ServeReads();
  void Send(const std::vector<core::raft::Message>& messages);
  void Respond(const core::env::Address& to, Response response);
  void Halt(const absl::Status& status);

  core::env::Env env_;
  RegisterNodeOptions options_;
  NodeObserver* observer_;
  RecoveredRaftState recovered_;
  std::vector<std::string> repairs_;
  RaftLogStore store_;
  KvStateMachine state_machine_;
  std::optional<core::raft::RawNode> raw_node_;
  std::unique_ptr<core::env::DatagramSocket> socket_;
  std::unique_ptr<core::env::Event> ready_event_;
  core::base::Instant last_tick_;
  core::raft::Index applied_ = 0;
  bool started_ = false;
  bool halted_ = false;
  // Writes proposed here, awaiting application: (client, seq) -> client.
  std::map<std::pair<uint64_t, uint64_t>, core::env::Address> pending_writes_;
  // Reads awaiting their read index, by context; then awaiting application.
  std::map<std::string, PendingRead> reads_awaiting_index_;
  std::multimap<core::raft::Index, PendingRead> reads_awaiting_apply_;
  std::string read_ctx_prefix_;
  uint64_t next_read_ = 0;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_NODE_H_
