#include "core/raft/testing/fault_sim.h"

#include <algorithm>
#include <utility>

namespace core::raft::testing {

enum class FaultSim::OpKind {
  kTickAll,
  kTickOne,
  kDeliver,
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

namespace {

using Kind = FaultSim::OpKind;

// Weighted decoding of a raw op code (shrinks towards "tick all").
constexpr Kind kOpTable[] = {
    Kind::kTickAll,   Kind::kTickAll,        Kind::kTickOne,
    Kind::kDeliver,   Kind::kDeliver,        Kind::kDeliver,
    Kind::kDeliver,   Kind::kDeliver,        Kind::kDrop,
    Kind::kDuplicate, Kind::kPropose,        Kind::kPropose,
    Kind::kReadIndex, Kind::kRestart,        Kind::kCrashDuringReady,
    Kind::kCompact,   Kind::kTransferLeader, Kind::kConfChange,
};
constexpr uint32_t kOpCount = sizeof(kOpTable) / sizeof(kOpTable[0]);

constexpr const char* kOpNames[] = {"tick-all", "tick",      "deliver",
                                    "drop",     "duplicate", "propose",
                                    "read",     "restart",   "crash-mid-ready",
                                    "compact",  "transfer",  "conf-change"};

}  // namespace

FaultSim::FaultSim(const FaultSimOptions& options)
    : options_(options), nodes_(options.config, options.seed) {
  ConfState cs;
  for (int i = 1; i <= options.voters; ++i) cs.voters.push_back(i);
  for (int i = 1; i <= options.voters + options.spares; ++i) {
    nodes_.AddNode(i, cs);
  }
}

void FaultSim::Run(uint32_t code) {
  const size_t n = nodes_.Ids().size();
  const Kind kind = kOpTable[code % kOpCount];
  const NodeId node = 1 + (code / kOpCount) % n;
  const uint32_t pick = code / (kOpCount * n);
  log_.push_back(std::string(kOpNames[static_cast<int>(kind)]) + " " +
                 std::to_string(node) + " " + std::to_string(pick));
  Apply(kind, node, pick);
  HandleAllReady();
  Check();
}

void FaultSim::Apply(Kind kind, NodeId node, uint32_t pick) {
  switch (kind) {
    case Kind::kTickAll:
      for (NodeId id : nodes_.Ids()) nodes_.node(id).Tick();
      break;
    case Kind::kTickOne:
      nodes_.node(node).Tick();
      break;
    case Kind::kDeliver:
      if (!net_.empty()) Deliver(Take(pick));
      break;
    case Kind::kDrop:
      if (!net_.empty()) ReportSnapshotStatus(Take(pick), /*failed=*/true);
      break;
    case Kind::kDuplicate:
      if (!net_.empty() && net_.size() < 64) {
        net_.push_back(net_[pick % net_.size()]);
      }
      break;
    case Kind::kPropose:
      (void)nodes_.node(node).Propose("v" + std::to_string(next_value_++)).ok();
      break;
    case Kind::kReadIndex: {
      const std::string ctx = "read" + std::to_string(next_value_++);
      checker_.OnReadRequested(ctx, nodes_.Observe());
      (void)nodes_.node(node).ReadIndex(ctx).ok();
      break;
    }
    case Kind::kRestart:
      nodes_.Restart(node);
      break;
    case Kind::kCrashDuringReady:
      Send(nodes_.CrashDuringReady(node));
      break;
    case Kind::kCompact:
      nodes_.Compact(node);
      break;
    case Kind::kTransferLeader:
      (void)nodes_.node(node).TransferLeader(1 + pick % options_.voters).ok();
      break;
    case Kind::kConfChange:
      ProposeConfChange(node, pick);
      break;
  }
}

// Single-step changes: a spare joins as learner, is promoted or removed;
// voter 3 is demoted to learner or promoted back.
void FaultSim::ProposeConfChange(NodeId node, uint32_t pick) {
  const NodeId spare = options_.voters + 1;
  const ConfChangeSingle changes[] = {
      {ConfChangeType::kAddLearnerNode, spare},
      {ConfChangeType::kAddNode, spare},
      {ConfChangeType::kRemoveNode, spare},
      {ConfChangeType::kAddLearnerNode, 3},
      {ConfChangeType::kAddNode, 3},
  };
  ConfChange cc;
  cc.changes = {changes[pick % 5]};
  (void)nodes_.node(node).ProposeConfChange(cc).ok();
}

Message FaultSim::Take(uint32_t pick) {
  const size_t i = pick % net_.size();
  Message m = std::move(net_[i]);
  net_.erase(net_.begin() + i);
  return m;
}

void FaultSim::Deliver(const Message& m) {
  if (nodes_.Has(m.to)) (void)nodes_.node(m.to).Step(m).ok();
  ReportSnapshotStatus(m, /*failed=*/false);
}

// The RawNode contract (raw_node.h): the driver reports the fate of every
// MsgSnap, as etcd's rafthttp snapshot sender calls ReportSnapshot once the
// transfer finishes or fails. Without it a leader whose snapshot was lost
// keeps the follower in StateSnapshot forever.
void FaultSim::ReportSnapshotStatus(const Message& m, bool failed) {
  if (m.type != MessageType::kMsgSnap || !nodes_.Has(m.from)) return;
  nodes_.node(m.from).ReportSnapshot(m.to, failed);
}

void FaultSim::Send(std::vector<Message> messages) {
  for (Message& m : messages) net_.push_back(std::move(m));
}

void FaultSim::HandleAllReady() {
  for (NodeId id : nodes_.Ids()) {
    Send(nodes_.HandleReady(id));
    for (const ServedRead& read : nodes_.TakeServedReads(id)) {
      Record(checker_.OnReadServed(read.request_ctx, read.index));
    }
  }
}

void FaultSim::DeliverAll() {
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

bool FaultSim::Converges() {
  for (int round = 0; round < 2000; ++round) {
    for (NodeId id : nodes_.Ids()) nodes_.node(id).Tick();
    DeliverAll();
    // A proposal may be lost with a deposed leader: propose again now and
    // then until one is applied.
    if (round % 20 == 0) proposed_ = false;
    for (NodeId id : nodes_.Ids()) {
      if (nodes_.node(id).raft().role() == StateRole::kLeader && !proposed_) {
        proposed_ = nodes_.node(id).Propose("final").ok();
      }
    }
    DeliverAll();
    Check();
    int applied = 0;
    for (int id = 1; id <= options_.voters; ++id) {
      const auto& data = nodes_.applied_data(id);
      applied += std::count(data.begin(), data.end(), "final") > 0 ? 1 : 0;
    }
    if (applied > options_.voters / 2) return true;
  }
  return false;
}

std::string FaultSim::Describe() const {
  std::string out;
  for (NodeId id : nodes_.Ids()) {
    const Raft& r = nodes_.node(id).raft();
    out += "node " + std::to_string(id) + " " +
           std::string(StateRoleName(r.role())) + " term " +
           std::to_string(r.term()) + " lead " + std::to_string(r.lead()) +
           " first " + std::to_string(r.raft_log().FirstIndex()) + " last " +
           std::to_string(r.raft_log().LastIndex()) + " commit " +
           std::to_string(r.raft_log().committed()) + " applied " +
           std::to_string(r.raft_log().applied()) + " " +
           r.tracker().config().Describe() + "\n";
    if (r.role() != StateRole::kLeader) continue;
    for (const auto& [peer, pr] : r.tracker().progress()) {
      out += "  " + std::to_string(peer) + ": " + pr.Describe() +
             " active=" + std::to_string(pr.recent_active) + "\n";
    }
  }
  return out + std::to_string(net_.size()) + " messages in flight\n";
}

void FaultSim::Check() { Record(checker_.Observe(nodes_.Observe())); }

void FaultSim::Record(std::optional<invariants::Violation> violation) {
  if (violation && !violation_) violation_ = std::move(violation);
}

}  // namespace core::raft::testing
