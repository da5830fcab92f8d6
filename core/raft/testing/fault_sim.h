// A random fault simulator over a NodeSet: each op is a tick (of all nodes
// or of one), a delivery of a random in-flight message (so reordering), a
// drop, a duplicate, a proposal, a read, a single-step membership change, a
// leader transfer, a compaction, a restart from storage or a crash in the
// middle of a Ready. Every invariant is checked after every op. Used by the
// RapidCheck property (core/raft) and the mutant tests (spec/raft).
#ifndef CORE_RAFT_TESTING_FAULT_SIM_H_
#define CORE_RAFT_TESTING_FAULT_SIM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/invariants/invariants.h"
#include "core/raft/testing/node_set.h"

namespace core::raft::testing {

struct FaultSimOptions {
  int voters = 3;
  // Extra nodes (ids voters+1, ...) outside the initial config, which
  // membership changes may add.
  int spares = 1;
  Config config;
  uint64_t seed = 1;
};

class FaultSim {
 public:
  explicit FaultSim(const FaultSimOptions& options);

  // Decodes `code` into one op (weighted; 0 is "tick all") and runs it,
  // then handles every Ready and checks the invariants.
  void Run(uint32_t code);
  // Heals everything and runs until a fresh proposal is applied on a
  // majority of the initial voters; false if it never is.
  bool Converges();

  const std::optional<invariants::Violation>& violation() const {
    return violation_;
  }
  // Every node's role, term, log, commit, config and (leaders) progress.
  std::string Describe() const;
  // Human-readable ops run so far (for failure reports).
  const std::vector<std::string>& log() const { return log_; }

  enum class OpKind;

 private:
  void Apply(OpKind kind, NodeId node, uint32_t pick);
  void ProposeConfChange(NodeId node, uint32_t pick);
  Message Take(uint32_t pick);
  void Deliver(const Message& m);
  void ReportSnapshotStatus(const Message& m, bool failed);
  void Send(std::vector<Message> messages);
  void HandleAllReady();
  void DeliverAll();
  void Check();
  void Record(std::optional<invariants::Violation> violation);

  FaultSimOptions options_;
  NodeSet nodes_;
  std::vector<Message> net_;
  invariants::InvariantChecker checker_;
  std::optional<invariants::Violation> violation_;
  std::vector<std::string> log_;
  uint64_t next_value_ = 0;
  bool proposed_ = false;
};

}  // namespace core::raft::testing

#endif  // CORE_RAFT_TESTING_FAULT_SIM_H_
