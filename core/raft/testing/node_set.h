// A copyable set of in-memory Raft nodes with the standard driver loop
// (send, persist, AdvanceAppend, apply, AdvanceApply) and crash/restart from
// durable storage.
//
// Used by the tests, the explorer (spec/raft) and the benchmark. It owns no
// network: HandleReady returns the messages a node emits and the caller
// decides their fate (deliver, drop, duplicate, reorder).
//
// The application state machine is the list of applied normal entries; a
// snapshot's data encodes it. A restart loses everything not in storage:
// the node restarts at its persisted hard state and log, with the state
// machine restored from the last snapshot, and re-applies from there.
#ifndef CORE_RAFT_TESTING_NODE_SET_H_
#define CORE_RAFT_TESTING_NODE_SET_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/raft/invariants/invariants.h"
#include "core/raft/raw_node.h"
#include "core/raft/storage.h"
#include "core/raft/types.h"

namespace core::raft::testing {

// A read answered by Raft (ReadState), as the application saw it.
struct ServedRead {
  std::string request_ctx;
  Index index = 0;
};

class NodeSet {
 public:
  // `base` is the per-node Config (its id is overwritten); `seed` derives
  // each node's election-jitter PRNG.
  NodeSet(Config base, uint64_t seed);
  NodeSet(const NodeSet& other);
  NodeSet& operator=(const NodeSet& other);
  NodeSet(NodeSet&&) = default;
  NodeSet& operator=(NodeSet&&) = default;

  // Creates node `id` whose storage is bootstrapped with `conf_state`.
  void AddNode(NodeId id, const ConfState& conf_state);
  // Like AddNode with a per-node config (id is overwritten).
  void AddNode(NodeId id, const ConfState& conf_state, Config config);
  bool Has(NodeId id) const { return slots_.count(id) != 0; }
  std::vector<NodeId> Ids() const;

  RawNode& node(NodeId id);
  const RawNode& node(NodeId id) const;
  const MemoryStorage& storage(NodeId id) const;
  uint64_t incarnation(NodeId id) const;
  // Data of applied normal entries, in order (the state machine).
  const std::vector<std::string>& applied_data(NodeId id) const;
  // Reads answered since the last TakeServedReads.
  std::vector<ServedRead> TakeServedReads(NodeId id);

  // Runs the driver loop until the node has no Ready; returns every message
  // it may now send (immediate ones and, after persisting, the rest).
  std::vector<Message> HandleReady(NodeId id);
  // Takes one Ready, lets its immediate messages out, then crashes before
  // persisting anything and restarts. Returns the escaped messages.
  std::vector<Message> CrashDuringReady(NodeId id);
  // Crashes (dropping all volatile state) and restarts from storage.
  void Restart(NodeId id);
  // Snapshots the state machine at the applied index and compacts the log.
  // Returns false if there is nothing new to compact.
  bool Compact(NodeId id);

  invariants::NodeObservation Observe(NodeId id) const;
  invariants::ClusterObservation Observe() const;
  // Canonical state of every node and its storage, excluding tick counters,
  // PRNG state and incarnation counters.
  void AppendFingerprint(std::string* out) const;

 private:
  struct Slot {
    Config config;
    MemoryStorage storage;
    std::optional<RawNode> node;
    uint64_t incarnation = 0;
    std::vector<std::string> applied_data;
    std::vector<ServedRead> served_reads;
  };
  Slot& slot(NodeId id);
  const Slot& slot(NodeId id) const;
  void Boot(NodeId id, Slot* slot);
  void Persist(Slot* slot, const Ready& rd);
  void Apply(Slot* slot, const Ready& rd);
  void RebindAll();

  Config base_;
  uint64_t seed_;
  std::map<NodeId, Slot> slots_;
};

// Snapshot data <-> applied entry data.
std::string EncodeStateMachine(const std::vector<std::string>& applied);
std::vector<std::string> DecodeStateMachine(const std::string& data);

}  // namespace core::raft::testing

#endif  // CORE_RAFT_TESTING_NODE_SET_H_
