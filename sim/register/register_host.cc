#include "sim/register/register_host.h"

#include <utility>

#include "core/base/check.h"
#include "sim/register/kv_state_machine.h"
#include "store/peer/peer_storage.h"

namespace sim::register_kv {

using core::raft::Index;
using core::raft::invariants::NodeObservation;

absl::StatusOr<std::unique_ptr<RegisterHost>> RegisterHost::Create(
    core::env::Env env, const RegisterNodeOptions& options,
    NodeObserver* observer) {
  auto node = RegisterNode::Create(env, options, observer);
  if (!node.ok()) return node.status();
  return std::unique_ptr<RegisterHost>(new RegisterHost(*std::move(node)));
}

void RegisterHost::Start() { node_->Start(); }

const std::vector<std::string>& RegisterHost::recovery_repairs() const {
  return node_->recovery_repairs();
}

const core::raft::Raft& RegisterHost::raft() const {
  return node_->raw_node().raft();
}

bool RegisterHost::running() const {
  return node_->started() && !node_->halted();
}

bool RegisterHost::halted() const { return node_->halted(); }

Index RegisterHost::applied_index() const { return node_->applied_index(); }

DurableRaftState RegisterHost::Durable() const {
  const store::PeerStorage& store = node_->log_store();
  return {store.durable_hard_state(), store.DurableView(1).entries};
}

NodeObservation RegisterHost::Observe(Index lo) const {
  const core::raft::Raft& r = raft();
  const store::PeerStorage& store = node_->log_store();
  NodeObservation o;
  o.role = r.role();
  o.term = r.term();
  o.vote = r.vote();
  o.commit = r.raft_log().committed();
  o.applied = r.raft_log().applied();
  const Index last = r.raft_log().LastIndex();
  lo = std::min(lo, last + 1);
  o.log.first_index = lo;
  if (lo <= last) {
    CHECK(r.raft_log().Slice(lo, last + 1, UINT64_MAX, &o.log.entries).ok());
  }
  o.durable_hard_state = store.durable_hard_state();
  if (!store.HasUndurable() && store.LastIndex() == last &&
      r.raft_log().UnstableEntries().empty()) {
    o.durable_log = o.log;  // nothing written but not yet durable
  } else {
    o.durable_log = store.DurableView(lo);
  }
  o.conf_state = r.tracker().config().ToConfState();
  return o;
}

std::vector<uint64_t> RegisterHost::DigestValues() const {
  const core::raft::Raft& r = raft();
  const store::PeerStorage& store = node_->log_store();
  const core::raft::HardState& hs = store.durable_hard_state();
  return {static_cast<uint64_t>(r.role()),
          r.term(),
          r.vote(),
          r.raft_log().committed(),
          r.raft_log().applied(),
          r.raft_log().LastIndex(),
          r.raft_log().LastTerm(),
          hs.term,
          hs.vote,
          hs.commit,
          store.DurableLastIndex(),
          store.HasUndurable() ? 1u : 0u};
}

absl::StatusOr<DurableRaftState> RecoverDurable(core::env::Engine& engine) {
  auto recovered = RecoverRegisterState(engine);
  if (!recovered.ok()) return recovered.status();
  return DurableRaftState{recovered->hard_state, std::move(recovered->entries)};
}

absl::StatusOr<std::map<std::string, std::string>> ReplicaContents(
    core::env::Engine& engine) {
  return KvStateMachine::Contents(engine);
}

}  // namespace sim::register_kv
