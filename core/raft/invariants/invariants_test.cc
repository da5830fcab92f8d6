// Each invariant holds on a healthy observation and names itself when a
// hand-built observation breaks it. These are the "test that breaks it" rows
// of spec/raft/README.md for the checks themselves; the mutant tests in
// spec/raft show the checks catch real bugs in the core.
//
// InvariantChecker's history checks are incremental (they walk only what an
// observation's logs can match). Two kinds of test show that this lost no
// coverage: violations planted at the end of a long, windowed history are
// still caught, and on random observation sequences the verdicts (name,
// wording, step) equal those of a brute-force checker that rebuilds the
// whole history from every earlier observation each time.
#include "core/raft/invariants/invariants.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"

namespace core::raft::invariants {
namespace {

LogView Log(std::vector<Term> terms, Index first = 1) {
  LogView log;
  log.first_index = first;
  for (size_t i = 0; i < terms.size(); ++i) {
    log.entries.push_back(Entry{terms[i], first + i, EntryType::kNormal,
                                "e" + std::to_string(first + i)});
  }
  return log;
}

NodeObservation Node(NodeId id, Term term, std::vector<Term> log, Index commit,
                     StateRole role = StateRole::kFollower) {
  NodeObservation n;
  n.id = id;
  n.term = term;
  n.role = role;
  n.log = Log(log);
  n.durable_log = n.log;
  n.commit = commit;
  n.applied = commit;
  n.durable_hard_state = HardState{term, kNone, commit};
  n.conf_state.voters = {1, 2, 3};
  return n;
}

ClusterObservation Healthy() {
  return ClusterObservation{{Node(1, 2, {1, 2}, 2, StateRole::kLeader),
                             Node(2, 2, {1, 2}, 2), Node(3, 2, {1}, 1)}};
}

std::string NameOf(const std::optional<Violation>& v) {
  return v ? v->invariant : "none";
}

TEST(InvariantsTest, HealthyClusterPassesEveryCheck) {
  InvariantChecker checker;
  EXPECT_EQ(NameOf(checker.Observe(Healthy())), "none");
  EXPECT_EQ(NameOf(checker.Observe(Healthy())), "none");
}

TEST(InvariantsTest, ElectionSafety) {
  ClusterObservation c = Healthy();
  c.nodes[1].role = StateRole::kLeader;
  EXPECT_EQ(NameOf(CheckElectionSafety(c)), kElectionSafety);
  // Across history: node 2 leads term 2 after node 1 did.
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  later.nodes[1].role = StateRole::kLeader;
  EXPECT_EQ(NameOf(checker.Observe(later)), kElectionSafety);
}

TEST(InvariantsTest, LogMatching) {
  ClusterObservation c = Healthy();
  c.nodes[2].log = Log({3, 2});  // same (2, term 2), different prefix
  c.nodes[2].durable_log = c.nodes[2].log;
  c.nodes[2].commit = 0;
  EXPECT_EQ(NameOf(CheckLogMatching(c)), kLogMatching);
}

TEST(InvariantsTest, StateMachineSafety) {
  ClusterObservation c = Healthy();
  c.nodes[2].log = Log({1, 3});
  c.nodes[2].durable_log = c.nodes[2].log;
  c.nodes[2].commit = 2;
  EXPECT_EQ(NameOf(CheckStateMachineSafety(c)), kStateMachineSafety);
  // A committed entry replaced later is caught against history.
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  for (NodeObservation& n : later.nodes) {
    if (n.log.entries.size() > 1) n.log.entries[1].data = "other";
    n.durable_log = n.log;
  }
  EXPECT_EQ(NameOf(checker.Observe(later)), kStateMachineSafety);
}

TEST(InvariantsTest, LeaderCompleteness) {
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));  // index 2 committed by term 2
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  later.nodes[2].role = StateRole::kLeader;
  later.nodes[2].term = 3;
  later.nodes[2].durable_hard_state.term = 3;
  EXPECT_EQ(NameOf(checker.Observe(later)), kLeaderCompleteness);
}

TEST(InvariantsTest, LeaderAppendOnly) {
  ClusterObservation before = Healthy();
  ClusterObservation after = Healthy();
  after.nodes[0].log.entries[1].data = "rewritten";
  EXPECT_EQ(NameOf(CheckLeaderAppendOnly(before, after)), kLeaderAppendOnly);
  after.nodes[0].incarnation = 1;  // a restart is not an overwrite
  EXPECT_EQ(NameOf(CheckLeaderAppendOnly(before, after)), "none");
}

TEST(InvariantsTest, MonotonicTermAndCommit) {
  ClusterObservation before = Healthy();
  ClusterObservation after = Healthy();
  after.nodes[1].term = 1;
  EXPECT_EQ(NameOf(CheckMonotonicTerm(before, after)), kMonotonicTerm);
  after = Healthy();
  after.nodes[1].commit = 1;
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), kMonotonicCommit);
  after.nodes[1].incarnation = 1;  // volatile commit may restart lower
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), "none");
  after.nodes[1].durable_hard_state.commit = 1;
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), kMonotonicCommit);
}

TEST(InvariantsTest, QuorumLogInvAndCommittedIsDurable) {
  ClusterObservation c = Healthy();
  c.nodes[1].log = Log({1});  // only the leader holds index 2
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), kQuorumLogInv);
  c = Healthy();
  c.nodes[1].durable_log = Log({1});
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), "none");
  EXPECT_EQ(NameOf(CheckCommittedIsDurable(c)), kCommittedIsDurable);
  // Joint config: violated only if the nodes lacking the prefix form a
  // quorum of both halves (then some joint quorum could elect without it).
  c = Healthy();
  for (NodeObservation& n : c.nodes) {
    n.conf_state.voters = {1, 2, 4};
    n.conf_state.voters_outgoing = {3, 4, 5};
  }
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), "none");  // {1,2} is a majority
  for (NodeObservation& n : c.nodes) n.conf_state.voters = {2, 3, 4};
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), kQuorumLogInv);
}

TEST(InvariantsTest, LinearizableRead) {
  InvariantChecker checker;
  checker.OnReadRequested("r1", Healthy());
  EXPECT_EQ(NameOf(checker.OnReadServed("r1", 2)), "none");
  checker.OnReadRequested("r2", Healthy());
  EXPECT_EQ(NameOf(checker.OnReadServed("r2", 1)), kLinearizableRead);
}

// A long history: node 1 leads term 1 and commits one entry per
// observation, replicated to node 2; node 3 is cut off and holds entry 1
// only. The logs of nodes 1 and 2 are observed through a window of their
// last four entries, as the simulator observes them.
class LongHistory {
 public:
  static constexpr Index kWindow = 4;

  // Feeds `steps` observations; all must pass.
  void Run(InvariantChecker* checker, int steps) {
    for (int step = 0; step < steps; ++step) {
      full_.push_back(Entry{1, full_.size() + 1, EntryType::kNormal,
                            "v" + std::to_string(full_.size() + 1)});
      const std::optional<Violation> v = checker->Observe(Now());
      ASSERT_FALSE(v.has_value()) << v->invariant << ": " << v->detail;
    }
  }
  // The current observation.
  ClusterObservation Now() const {
    ClusterObservation c{{Observed(1, StateRole::kLeader, Window()),
                          Observed(2, StateRole::kFollower, Window()),
                          Observed(3, StateRole::kFollower, Full(1))}};
    c.nodes[2].commit = 1;
    c.nodes[2].applied = 1;
    c.nodes[2].durable_hard_state.commit = 1;
    return c;
  }
  // The first `n` entries, from index 1.
  LogView Full(size_t n) const {
    return LogView{1, std::vector<Entry>(full_.begin(), full_.begin() + n)};
  }
  LogView Window() const {
    const Index first = full_.size() > kWindow ? full_.size() - kWindow + 1 : 1;
    return LogView{
        first, std::vector<Entry>(full_.begin() + (first - 1), full_.end())};
  }
  Index last() const { return full_.size(); }

 private:
  NodeObservation Observed(NodeId id, StateRole role, LogView log) const {
    NodeObservation n;
    n.id = id;
    n.term = 1;
    n.vote = 1;
    n.role = role;
    n.log = std::move(log);
    n.durable_log = n.log;
    n.commit = last();
    n.applied = last();
    n.durable_hard_state = HardState{1, 1, last()};
    n.conf_state.voters = {1, 2, 3};
    return n;
  }

  std::vector<Entry> full_;
};

constexpr int kLongRunSteps = 2000;

TEST(InvariantCheckerLongHistoryTest, OldCommittedEntryChangedIsCaught) {
  InvariantChecker checker;
  LongHistory history;
  history.Run(&checker, kLongRunSteps);
  // Node 2 shows its whole log, where entry 3, committed some 2,000
  // observations ago, now holds other data.
  ClusterObservation c = history.Now();
  c.nodes[1].log = history.Full(history.last());
  c.nodes[1].log.entries[2].data = "rewritten";
  c.nodes[1].durable_log = c.nodes[1].log;
  const std::optional<Violation> v = checker.Observe(c);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, kStateMachineSafety);
  EXPECT_EQ(v->detail,
            "node 2 committed (term 1, 9 bytes) at index 3 where (term 1, 2 "
            "bytes) was committed before");
}

TEST(InvariantCheckerLongHistoryTest, TwoLeadersOfOneTermFarApartAreCaught) {
  InvariantChecker checker;
  LongHistory history;
  history.Run(&checker, kLongRunSteps);
  // Node 1 led term 1 from the first observation; now node 2 does, alone.
  ClusterObservation c = history.Now();
  c.nodes[0].role = StateRole::kFollower;
  c.nodes[1].role = StateRole::kLeader;
  ASSERT_FALSE(CheckElectionSafety(c).has_value());  // one leader right now
  const std::optional<Violation> v = checker.Observe(c);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, kElectionSafety);
  EXPECT_EQ(v->detail, "node 1 led term 1 before node 2");
}

TEST(InvariantCheckerLongHistoryTest,
     LeaderMissingAnOldCommittedEntryIsCaught) {
  InvariantChecker checker;
  LongHistory history;
  history.Run(&checker, kLongRunSteps);
  // Node 3, cut off since entry 1, wins term 5 (as the Figure 8 bug lets it)
  // with an entry of its own at index 2, committed by term 1 long ago.
  ClusterObservation c = history.Now();
  for (NodeObservation& n : c.nodes) {
    n.term = 5;
    n.vote = 3;
    n.durable_hard_state.term = 5;
    n.durable_hard_state.vote = 3;
    n.role = StateRole::kFollower;
  }
  NodeObservation& leader = c.nodes[2];
  leader.role = StateRole::kLeader;
  leader.log.entries.push_back(Entry{5, 2, EntryType::kNormal, "mine"});
  leader.durable_log = leader.log;
  const std::optional<Violation> v = checker.Observe(c);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, kLeaderCompleteness);
  EXPECT_EQ(v->detail,
            "leader node 3 of term 5 lacks entry 2 committed by term 1");
}

// The history checks done the brute-force way: every earlier passing
// observation is kept, and for each new one the leaders and committed
// entries are rebuilt from all of them and every record is compared. The
// point-in-time and transition checks are the same functions as in
// InvariantChecker (they are not what is under test).
class BruteForceChecker {
 public:
  std::optional<Violation> Observe(const ClusterObservation& c) {
    std::optional<Violation> v = CheckState(c);
    if (!v && previous_.has_value()) {
      for (auto check :
           {CheckLeaderAppendOnly, CheckMonotonicTerm, CheckMonotonicCommit}) {
        if ((v = check(*previous_, c))) break;
      }
    }
    if (!v) v = CheckHistory(c);
    if (!v) history_.push_back(c);
    previous_ = c;
    return v;
  }

 private:
  struct Record {
    Entry entry;
    Term max_term = 0;
  };

  std::optional<Violation> CheckHistory(const ClusterObservation& c) const {
    std::map<Term, NodeId> leaders;
    std::map<Index, Record> committed;
    for (const ClusterObservation& past : history_) {
      Term max_term = 0;
      for (const NodeObservation& n : past.nodes) {
        max_term = std::max(max_term, n.term);
      }
      for (const NodeObservation& n : past.nodes) {
        if (n.role == StateRole::kLeader) leaders.emplace(n.term, n.id);
        for (Index i = n.log.first_index; i <= n.commit; ++i) {
          if (const Entry* e = n.log.At(i)) {
            committed.emplace(i, Record{*e, max_term});
          }
        }
      }
    }
    for (const NodeObservation& n : c.nodes) {
      if (n.role == StateRole::kLeader) {
        auto it = leaders.find(n.term);
        if (it != leaders.end() && it->second != n.id) {
          return Violation{kElectionSafety,
                           "node " + std::to_string(it->second) + " led term " +
                               std::to_string(n.term) + " before node " +
                               std::to_string(n.id)};
        }
        for (const auto& [index, rec] : committed) {
          if (rec.max_term >= n.term || index < n.log.first_index) continue;
          const Entry* held = n.log.At(index);
          if (held == nullptr || !Same(*held, rec.entry)) {
            return Violation{kLeaderCompleteness,
                             "leader node " + std::to_string(n.id) +
                                 " of term " + std::to_string(n.term) +
                                 " lacks entry " + std::to_string(index) +
                                 " committed by term " +
                                 std::to_string(rec.max_term)};
          }
        }
      }
      for (const auto& [index, rec] : committed) {
        const Entry* held = n.log.At(index);
        if (index > n.commit || held == nullptr || Same(*held, rec.entry)) {
          continue;
        }
        return Violation{kStateMachineSafety,
                         "node " + std::to_string(n.id) + " committed " +
                             Describe(*held) + " at index " +
                             std::to_string(index) + " where " +
                             Describe(rec.entry) + " was committed before"};
      }
    }
    return std::nullopt;
  }
  static bool Same(const Entry& a, const Entry& b) {
    return a.term == b.term && a.type == b.type && a.data == b.data;
  }
  static std::string Describe(const Entry& e) {
    return "(term " + std::to_string(e.term) + ", " +
           std::to_string(e.data.size()) + " bytes)";
  }

  std::optional<ClusterObservation> previous_;
  std::vector<ClusterObservation> history_;
};

// A small cluster evolving mostly like Raft (elections, appends,
// replication, quorum commits) with now and then a step no correct Raft
// takes (electing a second leader in a term, committing without a quorum,
// losing a committed suffix), observed through random log windows, so that
// every invariant, the history ones included, is exercised both ways.
struct RandomCluster {
  std::vector<std::vector<Entry>> logs;
  std::vector<NodeObservation> obs;

  explicit RandomCluster(int n) : logs(n), obs(n) {
    for (int i = 0; i < n; ++i) {
      obs[i].id = i + 1;
      obs[i].conf_state.voters = {1, 2, 3};
    }
  }
  size_t Leader() const {
    for (size_t i = 0; i < obs.size(); ++i) {
      if (obs[i].role == StateRole::kLeader) return i;
    }
    return obs.size();
  }
  Term MaxTerm() const {
    Term t = 0;
    for (const NodeObservation& o : obs) t = std::max(t, o.term);
    return t;
  }
  // `same_term`: a second leader in the current term (a bug).
  void Elect(size_t who, bool same_term) {
    const Term term = MaxTerm() + (same_term ? 0 : 1);
    for (size_t i = 0; i < obs.size(); ++i) {
      obs[i].term = term;
      obs[i].role = i == who ? StateRole::kLeader : StateRole::kFollower;
    }
  }
  void Append(size_t leader, core::base::Prng& prng) {
    for (uint64_t k = 1 + prng.Uniform(2); k > 0; --k) {
      logs[leader].push_back(Entry{
          .term = obs[leader].term,
          .index = logs[leader].size() + 1,
          .data = std::string(1, static_cast<char>('a' + prng.Uniform(3)))});
    }
  }
  void Replicate(size_t from, size_t to, core::base::Prng& prng) {
    const size_t upto = prng.Uniform(logs[from].size() + 1);
    std::vector<Entry>& log = logs[to];
    if (log.size() > upto) log.resize(upto);
    for (size_t i = 0; i < upto; ++i) {
      if (i < log.size() && log[i] == logs[from][i]) continue;
      log.resize(i);
      log.push_back(logs[from][i]);
    }
  }
  void QuorumCommit(size_t leader) {
    std::vector<size_t> match;
    for (size_t i = 0; i < obs.size(); ++i) {
      size_t m = 0;
      while (m < logs[i].size() && m < logs[leader].size() &&
             logs[i][m] == logs[leader][m]) {
        ++m;
      }
      match.push_back(m);
    }
    std::sort(match.begin(), match.end());
    const size_t quorum = match[obs.size() / 2];
    if (quorum > obs[leader].commit && quorum > 0 &&
        logs[leader][quorum - 1].term == obs[leader].term) {
      obs[leader].commit = quorum;
    }
  }
  void Misstep(size_t leader, size_t any, core::base::Prng& prng) {
    switch (prng.Uniform(3)) {
      case 0:
        obs[leader].commit = logs[leader].size();
        break;
      case 1:
        if (any != leader && !logs[any].empty()) logs[any].pop_back();
        break;
      default:
        Elect(any, true);
        break;
    }
  }
  void Step(core::base::Prng& prng) {
    const size_t n = obs.size();
    const size_t leader = Leader();
    const size_t any = prng.Uniform(n);
    switch (prng.Uniform(leader == n ? 2 : 8)) {
      case 0:
        Elect(any, false);
        break;
      case 1:  // a rare slip: a term bumps alone
        if (prng.OneIn(4)) obs[any].term += 1;
        break;
      case 2:
      case 3:
        Append(leader, prng);
        break;
      case 4:
      case 5:
        if (any == leader) break;
        Replicate(leader, any, prng);
        obs[any].commit = std::min<Index>(obs[leader].commit, logs[any].size());
        break;
      case 6:
        QuorumCommit(leader);
        break;
      default:
        Misstep(leader, any, prng);
        break;
    }
    Observe(prng);
  }
  void Observe(core::base::Prng& prng) {
    for (size_t i = 0; i < obs.size(); ++i) {
      NodeObservation& o = obs[i];
      o.commit = std::min<Index>(o.commit, logs[i].size());
      o.applied = o.commit;
      o.durable_hard_state = {o.term, o.vote, o.commit};
      const Index window = 1 + prng.Uniform(4);
      o.log.first_index =
          logs[i].size() + 1 > window ? logs[i].size() + 1 - window : 1;
      if (prng.OneIn(3)) o.log.first_index = 1;
      o.log.entries.assign(logs[i].begin() + (o.log.first_index - 1),
                           logs[i].end());
      o.durable_log = o.log;
    }
  }
};

RC_GTEST_PROP_N(InvariantCheckerProperty, AgreesWithBruteForceHistory, 300, 50,
                ()) {
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  RandomCluster cluster(3);
  InvariantChecker checker;
  BruteForceChecker reference;
  const int steps = *rc::gen::inRange(1, 150);
  for (int step = 0; step < steps; ++step) {
    cluster.Step(prng);
    const ClusterObservation c{cluster.obs};
    const std::optional<Violation> mine = checker.Observe(c);
    const std::optional<Violation> theirs = reference.Observe(c);
    RC_ASSERT(mine.has_value() == theirs.has_value());
    if (mine.has_value()) {
      RC_ASSERT(mine->invariant == theirs->invariant);
      RC_ASSERT(mine->detail == theirs->detail);
      RC_TAG(mine->invariant);
      return;
    }
  }
  RC_TAG("none");
}

}  // namespace
}  // namespace core::raft::invariants
