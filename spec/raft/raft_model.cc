#include "spec/raft/raft_model.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/raft/codec.h"

namespace spec::raft {
namespace {

using core::raft::Message;
using core::raft::NodeId;
using core::raft::StateRole;
using core::raft::invariants::ClusterObservation;
namespace inv = core::raft::invariants;

std::string DescribeMessage(const Message& m) {
  std::string out = std::string(core::raft::MessageTypeName(m.type)) + " " +
                    std::to_string(m.from) + "->" + std::to_string(m.to) +
                    " t" + std::to_string(m.term);
  if (m.type == core::raft::MessageType::kMsgApp) {
    out += " prev=" + std::to_string(m.index) +
           " n=" + std::to_string(m.entries.size()) +
           " c=" + std::to_string(m.commit);
  } else if (m.type == core::raft::MessageType::kMsgAppResp) {
    out += " i=" + std::to_string(m.index);
  }
  if (m.reject) out += " reject";
  return out;
}

void Send(State& s, std::vector<Message> messages) {
  for (const Message& m : messages) {
    s.network.insert(std::upper_bound(s.network.begin(), s.network.end(),
                                      core::raft::EncodeMessage(m)),
                     core::raft::EncodeMessage(m));
  }
}

// Runs the node's Ready loop and records the reads it answered.
void FinishReady(State& s, NodeId id) {
  Send(s, s.nodes.HandleReady(id));
  for (const auto& read : s.nodes.TakeServedReads(id)) {
    auto violation = s.checker.OnReadServed(read.request_ctx, read.index);
    if (violation && !s.violation) s.violation = violation;
  }
}

class SuccessorGenerator {
 public:
  SuccessorGenerator(const Bounds& bounds, const State& state,
                     const spec::explorer::EmitFn<State>& emit)
      : b_(bounds), s_(state), emit_(emit), before_(state.nodes.Observe()) {}

  void Run() {
    for (NodeId id : s_.nodes.Ids()) NodeActions(id);
    NetworkActions();
  }

 private:
  // Emits `act` followed by the node's Ready loop, and, crash budget
  // permitting, `act` followed by a crash in the middle of that loop.
  template <typename Act>
  void NodeAction(const std::string& label, NodeId id, Act act) {
    State next = s_;
    act(next);
    std::optional<State> crashed;
    if (s_.crashes < b_.max_crashes && next.nodes.node(id).HasReady()) {
      crashed.emplace(next);
    }
    FinishReady(next, id);
    Emit(label, std::move(next));
    if (!crashed) return;
    Send(*crashed, crashed->nodes.CrashDuringReady(id));
    ++crashed->crashes;
    FinishReady(*crashed, id);
    Emit(label + " then crash", std::move(*crashed));
  }

  void NodeActions(NodeId id) {
    const core::raft::Raft& raft = s_.nodes.node(id).raft();
    const std::string who = " " + std::to_string(id);
    if (raft.role() != StateRole::kLeader && raft.term() + 1 <= b_.max_term &&
        raft.Promotable()) {
      NodeAction("campaign" + who, id,
                 [id](State& s) { (void)s.nodes.node(id).Campaign().ok(); });
    }
    if (raft.role() == StateRole::kLeader) {
      if (s_.heartbeats < b_.max_heartbeats) {
        NodeAction("heartbeat" + who, id, [id](State& s) {
          ++s.heartbeats;
          s.nodes.node(id).Tick();
        });
      }
      if (s_.proposals < b_.max_proposals) {
        NodeAction("propose" + who, id, [id](State& s) {
          (void)s.nodes.node(id)
              .Propose("v" + std::to_string(++s.proposals))
              .ok();
        });
      }
    }
    if (s_.reads < b_.max_reads) {
      NodeAction("read" + who, id, [id](State& s) {
        const std::string ctx = "r" + std::to_string(++s.reads);
        s.checker.OnReadRequested(ctx, s.nodes.Observe());
        (void)s.nodes.node(id).ReadIndex(ctx).ok();
      });
    }
    if (s_.crashes < b_.max_crashes) {
      State next = s_;
      next.nodes.Restart(id);
      ++next.crashes;
      FinishReady(next, id);
      Emit("restart" + who, std::move(next));
    }
    if (s_.compactions < b_.max_compactions) {
      State next = s_;
      if (next.nodes.Compact(id)) {
        ++next.compactions;
        Emit("compact" + who, std::move(next));
      }
    }
  }

  void NetworkActions() {
    for (size_t i = 0; i < s_.network.size(); ++i) {
      if (i > 0 && s_.network[i] == s_.network[i - 1]) continue;  // same msg
      auto decoded = core::raft::DecodeMessage(s_.network[i]);
      CHECK(decoded.ok()) << decoded.error().reason;
      const Message m = std::move(decoded).value();
      const std::string what = DescribeMessage(m);
      NodeAction("deliver " + what, m.to, [&](State& s) {
        s.network.erase(s.network.begin() + i);
        (void)s.nodes.node(m.to).Step(m).ok();
      });
      if (b_.allow_drop) {
        State next = s_;
        next.network.erase(next.network.begin() + i);
        Emit("drop " + what, std::move(next));
      }
      if (s_.duplicates < b_.max_duplicates) {
        State next = s_;
        next.network.insert(next.network.begin() + i, s_.network[i]);
        ++next.duplicates;
        Emit("duplicate " + what, std::move(next));
      }
    }
  }

  void Emit(const std::string& action, State next) {
    if (next.network.size() > b_.max_in_flight) return;
    if (!next.violation) {
      next.violation =
          next.checker.ObserveAfter(&before_, next.nodes.Observe());
    }
    emit_(action, std::move(next));
  }

  const Bounds& b_;
  const State& s_;
  const spec::explorer::EmitFn<State>& emit_;
  const ClusterObservation before_;
};

std::string Fingerprint(const State& s) {
  std::string out;
  s.nodes.AppendFingerprint(&out);
  out.push_back('#');
  for (const std::string& m : s.network) {
    out += std::to_string(m.size());
    out.push_back(':');
    out += m;
  }
  out.push_back('#');
  for (int counter : {s.proposals, s.reads, s.crashes, s.duplicates,
                      s.compactions, s.heartbeats}) {
    out += std::to_string(counter) + ",";
  }
  out += s.checker.Fingerprint();
  if (s.violation) out += "!" + s.violation->invariant;
  return out;
}

}  // namespace

std::string Bounds::Describe() const {
  return "nodes=" + std::to_string(nodes) +
         " max_term=" + std::to_string(max_term) +
         " proposals=" + std::to_string(max_proposals) +
         " reads=" + std::to_string(max_reads) +
         " crashes=" + std::to_string(max_crashes) +
         " duplicates=" + std::to_string(max_duplicates) +
         " compactions=" + std::to_string(max_compactions) +
         " heartbeats=" + std::to_string(max_heartbeats) +
         " drop=" + (allow_drop ? "yes" : "no") +
         " in_flight=" + std::to_string(max_in_flight) +
         " pre_vote=" + (pre_vote ? "yes" : "no") +
         " lease_reads=" + (lease_reads ? "yes" : "no");
}

core::raft::Config ModelConfig(const Bounds& bounds) {
  core::raft::Config config;
  config.election_timeout_ticks = 2;
  config.heartbeat_interval_ticks = 1;
  config.pre_vote = bounds.pre_vote;
  // One entry per MsgApp: entries of different terms travel separately,
  // which is what exposes commit rules (Raft paper Figure 8).
  config.max_size_per_msg_bytes = 0;
  config.max_inflight_msgs = 2;
  if (bounds.lease_reads) {
    config.read_only_option = core::raft::ReadOnlyOption::kLeaseBased;
  }
  return config;
}

spec::explorer::Model<State> MakeModel(const Bounds& bounds) {
  CHECK_GE(bounds.nodes, 1);
  State initial(ModelConfig(bounds), /*seed=*/1);
  core::raft::ConfState cs;
  for (int i = 1; i <= bounds.nodes; ++i) cs.voters.push_back(i);
  for (NodeId id : cs.voters) initial.nodes.AddNode(id, cs);
  spec::explorer::Model<State> model{std::move(initial), {}, {}, {}};
  model.successors = [bounds](const State& s,
                              const spec::explorer::EmitFn<State>& emit) {
    SuccessorGenerator(bounds, s, emit).Run();
  };
  model.fingerprint = Fingerprint;
  for (const char* name :
       {inv::kElectionSafety, inv::kLogMatching, inv::kLeaderCompleteness,
        inv::kStateMachineSafety, inv::kLeaderAppendOnly, inv::kMonotonicTerm,
        inv::kMonotonicCommit, inv::kQuorumLogInv, inv::kCommittedIsDurable,
        inv::kLinearizableRead}) {
    const std::string invariant = name;
    model.invariants.push_back(
        {invariant, [invariant](const State& s, std::string* detail) {
           if (!s.violation || s.violation->invariant != invariant) return true;
           *detail = s.violation->detail;
           return false;
         }});
  }
  return model;
}

spec::explorer::Report ExploreModel(const spec::explorer::Model<State>& model,
                                    const spec::explorer::Options& options) {
  return spec::explorer::Explore(model, options);
}

WalkResult RandomWalks(const spec::explorer::Model<State>& model, uint64_t seed,
                       uint64_t walks, uint64_t steps) {
  core::base::Prng prng(seed);
  WalkResult result;
  for (uint64_t w = 0; w < walks; ++w) {
    ++result.walks;
    State state = model.initial;
    std::vector<std::string> trace = {"init"};
    for (uint64_t step = 0; step < steps; ++step) {
      std::vector<std::pair<std::string, State>> next;
      model.successors(state, [&](std::string action, State s) {
        next.emplace_back(std::move(action), std::move(s));
      });
      if (next.empty()) break;
      auto& [action, chosen] = next[prng.Uniform(next.size())];
      trace.push_back(std::move(action));
      state = std::move(chosen);
      ++result.steps;
      if (auto violation = spec::explorer::CheckInvariants(model, state)) {
        violation->trace = std::move(trace);
        result.violation = std::move(violation);
        return result;
      }
    }
  }
  return result;
}

}  // namespace spec::raft
