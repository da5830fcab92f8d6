// Model-free safety properties: random interleavings of ticks, proposals,
// reads, membership changes, message drops, duplicates and reorders, and
// crash/restarts (from persisted storage only, including crashes between
// sending a Ready's immediate messages and persisting it) never break an
// invariant of core/raft/invariants. A final fault-free phase checks that the
// cluster still makes progress.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/raft/raw_node.h"
#include "core/raft/testing/node_set.h"

namespace core::raft {
namespace {

using invariants::InvariantChecker;
using invariants::Violation;
using testing::NodeSet;

enum class OpKind {
  kTickAll,
  kTickOne,
  kDeliver,  // a random in-flight message: reorders
  kDrop,
  kDuplicate,
  kPropose,
  kReadIndex,
  kRestart,
  kCrashDuringReady,
  kCompact,
  kTransferLeader,
  kConfChange,
};

// Weighted decoding of a raw generated integer (shrinks towards kTickAll).
constexpr OpKind kOpTable[] = {
    OpKind::kTickAll,    OpKind::kTickAll,   OpKind::kTickOne,
    OpKind::kDeliver,    OpKind::kDeliver,   OpKind::kDeliver,
    OpKind::kDeliver,    OpKind::kDeliver,   OpKind::kDrop,
    OpKind::kDuplicate,  OpKind::kPropose,   OpKind::kPropose,
    OpKind::kReadIndex,  OpKind::kRestart,   OpKind::kCrashDuringReady,
    OpKind::kCompact,    OpKind::kTransferLeader, OpKind::kConfChange,
};
constexpr uint32_t kOpCount = sizeof(kOpTable) / sizeof(kOpTable[0]);

class Sim {
 public:
  explicit Sim(Config config, uint64_t seed) : nodes_(config, seed) {
    ConfState cs{.voters = {1, 2, 3}};
    for (NodeId id : {1, 2, 3, 4}) nodes_.AddNode(id, cs);
  }

  void Run(uint32_t code) {
    const OpKind kind = kOpTable[code % kOpCount];
    const NodeId node = 1 + (code / kOpCount) % 4;
    const uint32_t pick = code / (kOpCount * 4);
    Apply(kind, node, pick);
    HandleAllReady();
    Check();
  }

  // Heals everything and runs until a fresh proposal is applied everywhere
  // a majority; returns false if it never is.
  bool Converges() {
    for (int round = 0; round < 2000; ++round) {
      for (NodeId id : nodes_.Ids()) nodes_.node(id).Tick();
      DeliverAll();
      for (NodeId id : nodes_.Ids()) {
        if (nodes_.node(id).raft().role() == StateRole::kLeader && !proposed_) {
          proposed_ = nodes_.node(id).Propose("final").ok();
        }
      }
      DeliverAll();
      Check();
      int applied = 0;
      for (NodeId id : {1, 2, 3}) {
        const auto& data = nodes_.applied_data(id);
        applied += std::count(data.begin(), data.end(), "final") > 0 ? 1 : 0;
      }
      if (applied >= 2) return true;
    }
    return false;
  }

  const std::optional<Violation>& violation() const { return violation_; }

 private:
  void Apply(OpKind kind, NodeId node, uint32_t pick) {
    switch (kind) {
      case OpKind::kTickAll:
        for (NodeId id : nodes_.Ids()) nodes_.node(id).Tick();
        break;
      case OpKind::kTickOne:
        nodes_.node(node).Tick();
        break;
      case OpKind::kDeliver:
        if (!net_.empty()) Deliver(Take(pick));
        break;
      case OpKind::kDrop:
        if (!net_.empty()) Take(pick);
        break;
      case OpKind::kDuplicate:
        if (!net_.empty() && net_.size() < 64) {
          net_.push_back(net_[pick % net_.size()]);
        }
        break;
      case OpKind::kPropose:
        (void)nodes_.node(node).Propose("v" + std::to_string(next_value_++)).ok();
        break;
      case OpKind::kReadIndex: {
        const std::string ctx = "read" + std::to_string(next_value_++);
        checker_.OnReadRequested(ctx, nodes_.Observe());
        (void)nodes_.node(node).ReadIndex(ctx).ok();
        break;
      }
      case OpKind::kRestart:
        nodes_.Restart(node);
        break;
      case OpKind::kCrashDuringReady:
        Send(nodes_.CrashDuringReady(node));
        break;
      case OpKind::kCompact:
        nodes_.Compact(node);
        break;
      case OpKind::kTransferLeader:
        (void)nodes_.node(node).TransferLeader(1 + pick % 3).ok();
        break;
      case OpKind::kConfChange:
        ProposeConfChange(node, pick);
        break;
    }
  }

  // Single-step changes of node 4 (learner, voter, removed) and of node 3.
  void ProposeConfChange(NodeId node, uint32_t pick) {
    static constexpr ConfChangeSingle kChanges[] = {
        {ConfChangeType::kAddLearnerNode, 4},
        {ConfChangeType::kAddNode, 4},
        {ConfChangeType::kRemoveNode, 4},
        {ConfChangeType::kAddLearnerNode, 3},
        {ConfChangeType::kAddNode, 3},
    };
    ConfChange cc;
    cc.changes = {kChanges[pick % 5]};
    (void)nodes_.node(node).ProposeConfChange(cc).ok();
  }

  Message Take(uint32_t pick) {
    const size_t i = pick % net_.size();
    Message m = std::move(net_[i]);
    net_.erase(net_.begin() + i);
    return m;
  }

  void Deliver(const Message& m) {
    if (nodes_.Has(m.to)) (void)nodes_.node(m.to).Step(m).ok();
  }

  void Send(std::vector<Message> messages) {
    for (Message& m : messages) net_.push_back(std::move(m));
  }

  void HandleAllReady() {
    for (NodeId id : nodes_.Ids()) {
      Send(nodes_.HandleReady(id));
      for (const testing::ServedRead& read : nodes_.TakeServedReads(id)) {
        Record(checker_.OnReadServed(read.request_ctx, read.index));
      }
    }
  }

  void DeliverAll() {
    for (int i = 0; i < 10000; ++i) {
      HandleAllReady();
      if (net_.empty()) return;
      std::vector<Message> batch = std::move(net_);
      net_.clear();
      for (const Message& m : batch) {
        Deliver(m);
        Check();
      }
    }
  }

  void Check() { Record(checker_.Observe(nodes_.Observe())); }
  void Record(std::optional<Violation> v) {
    if (v && !violation_) violation_ = std::move(v);
  }

  NodeSet nodes_;
  std::vector<Message> net_;
  InvariantChecker checker_;
  std::optional<Violation> violation_;
  uint64_t next_value_ = 0;
  bool proposed_ = false;
};

Config PropertyConfig(bool check_quorum, bool pre_vote, bool tiny_messages) {
  Config config;
  config.election_timeout_ticks = 4;
  config.heartbeat_interval_ticks = 1;
  config.check_quorum = check_quorum;
  config.pre_vote = pre_vote;
  config.max_size_per_msg_bytes = tiny_messages ? 0 : 1 << 20;
  config.max_inflight_msgs = tiny_messages ? 2 : 64;
  return config;
}

RC_GTEST_PROP(RaftProperty, RandomFaultsNeverBreakAnInvariant, ()) {
  const bool check_quorum = *rc::gen::arbitrary<bool>();
  const bool pre_vote = *rc::gen::arbitrary<bool>();
  const bool tiny = *rc::gen::arbitrary<bool>();
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const auto ops = *rc::gen::resize(
      150, rc::gen::container<std::vector<uint32_t>>(
               rc::gen::inRange<uint32_t>(0, 1u << 20)));
  Sim sim(PropertyConfig(check_quorum, pre_vote, tiny), seed);
  for (uint32_t op : ops) {
    sim.Run(op);
    if (sim.violation()) break;
  }
  if (sim.violation()) {
    RC_FAIL(sim.violation()->invariant + ": " + sim.violation()->detail);
  }
  RC_ASSERT(sim.Converges());
  if (sim.violation()) {
    RC_FAIL(sim.violation()->invariant + ": " + sim.violation()->detail);
  }
}

}  // namespace
}  // namespace core::raft
