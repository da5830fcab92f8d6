// RegisterHost: the harness's one view of a RegisterNode, and the driver
// state of a host (its ProcessState: destroyed by a crash, rebuilt by the
// factory at restart).
//
// The peer loop is moving to a driver tier (store/peer); only this file
// names RegisterNode's API (Create, Start, the accessors), PeerStorage's
// durable views and KvStateMachine's contents, so re-pointing the harness
// is an edit here.
#ifndef SIM_REGISTER_REGISTER_HOST_H_
#define SIM_REGISTER_REGISTER_HOST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/env/env.h"
#include "core/raft/invariants/invariants.h"
#include "core/raft/raft.h"
#include "sim/loop/sim_loop.h"
#include "sim/register/register_node.h"

namespace sim::register_kv {

// What a node's disk holds of its Raft state (a crashed node counts, for
// the oracles, as one that restarts with exactly this).
struct DurableRaftState {
  core::raft::HardState hard_state;
  // From index 1.
  std::vector<core::raft::Entry> log;
};

class RegisterHost final : public ProcessState {
 public:
  // Recovers the node from env.engine (reads only). Fails with the engine's
  // error (kDataLoss for corruption).
  static absl::StatusOr<std::unique_ptr<RegisterHost>> Create(
      core::env::Env env, const RegisterNodeOptions& options,
      NodeObserver* observer);

  void Start();
  // Repairs recovery made at this boot (for the log).
  const std::vector<std::string>& recovery_repairs() const;

  const core::raft::Raft& raft() const;
  // Booted and not halted.
  bool running() const;
  bool halted() const;
  core::raft::Index applied_index() const;

  // What the node has made durable (it vouches for it before a crash).
  DurableRaftState Durable() const;
  // The observation of this live node with its logs from `lo` on.
  core::raft::invariants::NodeObservation Observe(core::raft::Index lo) const;
  // The numbers that determine Observe (equal digests: equal observations).
  std::vector<uint64_t> DigestValues() const;

 private:
  explicit RegisterHost(std::unique_ptr<RegisterNode> node)
      : node_(std::move(node)) {}
  std::unique_ptr<RegisterNode> node_;
};

// The durable Raft state a restart would recover from `engine`.
absl::StatusOr<DurableRaftState> RecoverDurable(core::env::Engine& engine);
// The register's replicated contents on `engine`.
absl::StatusOr<std::map<std::string, std::string>> ReplicaContents(
    core::env::Engine& engine);

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_HOST_H_
