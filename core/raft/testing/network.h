// A deterministic in-memory network over a NodeSet, for scenario tests and
// the benchmark: FIFO delivery, link cuts, isolation, and an invariant check
// after every step.
#ifndef CORE_RAFT_TESTING_NETWORK_H_
#define CORE_RAFT_TESTING_NETWORK_H_

#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/raft/invariants/invariants.h"
#include "core/raft/testing/node_set.h"

namespace core::raft::testing {

struct NetworkOptions {
  // Voters 1..voters, then learners voters+1..voters+learners.
  int voters = 3;
  int learners = 0;
  // Per-node config (id is filled in). Small timeouts keep tests short.
  Config config = DefaultTestConfig();
  uint64_t seed = 1;
  // Encode and decode every delivered message (exercises the codec).
  bool roundtrip_codec = true;
  // Run the InvariantChecker after every delivery and Ready.
  bool check_invariants = true;

  static Config DefaultTestConfig();
};

class Network {
 public:
  explicit Network(NetworkOptions options);

  NodeSet& nodes() { return nodes_; }
  RawNode& node(NodeId id) { return nodes_.node(id); }
  std::deque<Message>& in_flight() { return in_flight_; }

  // Handles every node's Ready and queues the messages they emit.
  void ProcessReadyAll();
  void ProcessReady(NodeId id);
  // Delivers queued messages (and the messages they cause) until quiet.
  // Returns false if it did not settle within max_steps deliveries.
  bool Stabilize(int max_steps = 100000);
  // Delivers the oldest queued message (if any); returns false if none.
  bool DeliverOne();
  // Steps one message into its target, unless cut or dropped.
  void Deliver(const Message& m);
  void Send(std::vector<Message> messages);

  void Tick(NodeId id, int ticks = 1);
  void TickAll(int ticks = 1);
  // Campaign at `id` and stabilize.
  void Elect(NodeId id);
  // Proposes at `id` and stabilizes; returns the proposal outcome.
  StepResult ProposeAndCommit(NodeId id, std::string data);

  void Cut(NodeId a, NodeId b);
  void Isolate(NodeId id);
  void Heal();
  // Drops every message of this type from now on (until Heal).
  void DropType(MessageType type) { dropped_types_.insert(type); }
  // Drops every message for which `filter` returns true (until Heal).
  void SetDropFilter(std::function<bool(const Message&)> filter) {
    drop_filter_ = std::move(filter);
  }
  void Restart(NodeId id);
  void AddNode(NodeId id, const ConfState& bootstrap);

  // The leader of the highest term, or kNone.
  NodeId Leader() const;
  invariants::InvariantChecker& checker() { return checker_; }
  // Requests a read at `id` and records it for the LinearizableRead check.
  StepResult ReadIndex(NodeId id, const std::string& request_ctx);
  // Reads answered so far, with the node that answered them.
  const std::vector<std::pair<NodeId, ServedRead>>& served_reads() const {
    return served_reads_;
  }
  // The first invariant violation seen, if any.
  const std::optional<invariants::Violation>& violation() const {
    return violation_;
  }
  void CheckInvariants();
  ConfState InitialConfState() const { return initial_conf_state_; }

 private:
  bool Blocked(const Message& m) const;

  NetworkOptions options_;
  NodeSet nodes_;
  ConfState initial_conf_state_;
  std::deque<Message> in_flight_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::set<NodeId> isolated_;
  std::set<MessageType> dropped_types_;
  std::function<bool(const Message&)> drop_filter_;
  invariants::InvariantChecker checker_;
  std::vector<std::pair<NodeId, ServedRead>> served_reads_;
  std::optional<invariants::Violation> violation_;
};

}  // namespace core::raft::testing

#endif  // CORE_RAFT_TESTING_NETWORK_H_
