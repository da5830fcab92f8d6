// Quorum arithmetic as data tables (majority and joint, commit and vote),
// plus a property comparing CommittedIndex with a brute-force definition.
// Ref: Raft thesis §3.6.2 (commit by majority), §4.3 (joint consensus).
#include "core/raft/quorum/quorum.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <vector>

namespace core::raft::quorum {
namespace {

// One voter's acked index; nullopt = unknown voter ("_" in etcd's tables).
using Acked = std::vector<std::optional<Index>>;

struct CommitCase {
  std::vector<NodeId> incoming;
  std::vector<NodeId> outgoing;
  Acked acked;  // by position over incoming ∪ outgoing ids 1..n
  Index want;
};

MapAckIndexer Indexer(const Acked& acked) {
  std::map<NodeId, Index> map;
  for (size_t i = 0; i < acked.size(); ++i) {
    if (acked[i]) map[i + 1] = *acked[i];
  }
  return MapAckIndexer(map);
}

JointConfig Joint(const std::vector<NodeId>& in,
                  const std::vector<NodeId>& out) {
  return JointConfig{MajorityConfig({in.begin(), in.end()}),
                     MajorityConfig({out.begin(), out.end()})};
}

TEST(QuorumTableTest, CommittedIndex) {
  constexpr auto _ = std::nullopt;
  const std::vector<CommitCase> cases = {
      // Empty config: infinite, so it never constrains a joint half.
      {{}, {}, {}, kInfiniteIndex},
      // Majority configs.
      {{1}, {}, {_}, 0},
      {{1}, {}, {12}, 12},
      {{1, 2}, {}, {12, 5}, 5},
      {{1, 2}, {}, {12, _}, 0},
      {{1, 2, 3}, {}, {12, 5, 4}, 5},
      {{1, 2, 3}, {}, {12, _, _}, 0},
      {{1, 2, 3}, {}, {12, 12, _}, 12},
      {{1, 2, 3, 4}, {}, {12, 10, 8, 5}, 8},
      {{1, 2, 3, 4, 5}, {}, {1, 2, 3, 4, 5}, 3},
      {{1, 2, 3, 4, 5}, {}, {5, 5, _, _, 1}, 1},
      // Joint: the minimum of both halves.
      {{1, 2, 3}, {1, 2, 3}, {10, 9, 8}, 9},
      {{1, 2, 3}, {3, 4, 5}, {10, 10, 2, 1, 1}, 1},
      {{1, 2, 3}, {3, 4, 5}, {10, 10, 7, 7, 1}, 7},
      {{1}, {2, 3}, {20, 7, 9}, 7},
      {{1, 2}, {3}, {5, 6, _}, 0},
  };
  for (const CommitCase& c : cases) {
    JointConfig cfg = Joint(c.incoming, c.outgoing);
    EXPECT_EQ(cfg.CommittedIndex(Indexer(c.acked)), c.want) << cfg.Describe();
  }
}

struct VoteCase {
  std::vector<NodeId> incoming;
  std::vector<NodeId> outgoing;
  std::vector<char> votes;  // 'y', 'n' or '_' by id 1..n
  VoteResult want;
};

TEST(QuorumTableTest, Vote) {
  const std::vector<VoteCase> cases = {
      {{}, {}, {}, VoteResult::kWon},
      {{1}, {}, {'_'}, VoteResult::kPending},
      {{1}, {}, {'n'}, VoteResult::kLost},
      {{1}, {}, {'y'}, VoteResult::kWon},
      {{1, 2}, {}, {'y', '_'}, VoteResult::kPending},
      {{1, 2}, {}, {'y', 'n'}, VoteResult::kLost},
      {{1, 2, 3}, {}, {'y', 'y', '_'}, VoteResult::kWon},
      {{1, 2, 3}, {}, {'y', 'n', '_'}, VoteResult::kPending},
      {{1, 2, 3}, {}, {'n', 'n', '_'}, VoteResult::kLost},
      {{1, 2, 3, 4}, {}, {'y', 'y', 'n', '_'}, VoteResult::kPending},
      {{1, 2, 3, 4}, {}, {'y', 'y', 'y', 'n'}, VoteResult::kWon},
      {{1, 2, 3, 4}, {}, {'y', 'n', 'n', '_'}, VoteResult::kLost},
      // Joint: both halves must win; either losing loses.
      {{1, 2, 3}, {3, 4, 5}, {'y', 'y', 'n', 'n', 'n'}, VoteResult::kLost},
      {{1, 2, 3}, {3, 4, 5}, {'y', 'y', 'y', '_', '_'}, VoteResult::kPending},
      {{1, 2, 3}, {3, 4, 5}, {'y', 'y', 'y', 'y', '_'}, VoteResult::kWon},
      {{1, 2, 3}, {3, 4, 5}, {'_', '_', '_', 'y', 'y'}, VoteResult::kPending},
      {{1}, {2}, {'y', 'n'}, VoteResult::kLost},
  };
  for (const VoteCase& c : cases) {
    VoteMap votes;
    for (size_t i = 0; i < c.votes.size(); ++i) {
      if (c.votes[i] != '_') votes[i + 1] = c.votes[i] == 'y';
    }
    JointConfig cfg = Joint(c.incoming, c.outgoing);
    EXPECT_EQ(VoteResultName(cfg.Vote(votes)), VoteResultName(c.want))
        << cfg.Describe();
  }
}

// CommittedIndex is the largest index that at least a majority acked.
RC_GTEST_PROP(QuorumProperty, CommittedIndexMatchesBruteForce, ()) {
  const size_t n = *rc::gen::inRange<size_t>(1, 8);
  std::map<NodeId, Index> acked;
  std::set<NodeId> voters;
  for (NodeId id = 1; id <= n; ++id) {
    voters.insert(id);
    if (*rc::gen::inRange(0, 4) != 0)
      acked[id] = *rc::gen::inRange<Index>(0, 20);
  }
  MajorityConfig cfg(voters);
  Index want = 0;
  for (Index candidate = 0; candidate <= 20; ++candidate) {
    size_t count = 0;
    for (const auto& [id, index] : acked) count += index >= candidate ? 1 : 0;
    if (count >= n / 2 + 1) want = candidate;
  }
  RC_ASSERT(cfg.CommittedIndex(MapAckIndexer(acked)) == want);
}

}  // namespace
}  // namespace core::raft::quorum
