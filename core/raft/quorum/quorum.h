// Quorum arithmetic for majority and joint configurations: which index a
// quorum has acknowledged, and whether an election is won, lost or pending.
// Pure functions over sets of node ids. Ref: Raft thesis §3.6.2 (commit),
// §4.3 (joint consensus needs a majority of both the old and new config).
#ifndef CORE_RAFT_QUORUM_QUORUM_H_
#define CORE_RAFT_QUORUM_QUORUM_H_

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "core/raft/types.h"

namespace core::raft::quorum {

// The committed index of an empty configuration: it never constrains the
// other half of a joint configuration.
inline constexpr Index kInfiniteIndex = std::numeric_limits<Index>::max();

enum class VoteResult { kPending, kLost, kWon };

std::string VoteResultName(VoteResult result);

// Looks up the index a voter has acknowledged (its Progress.match).
class AckedIndexer {
 public:
  virtual ~AckedIndexer() = default;
  // Returns false if the voter is unknown (treated as having acked 0).
  virtual bool AckedIndex(NodeId voter, Index* index) const = 0;
};

// An AckedIndexer over a plain map (tests, tables).
class MapAckIndexer : public AckedIndexer {
 public:
  explicit MapAckIndexer(std::map<NodeId, Index> acked)
      : acked_(std::move(acked)) {}
  bool AckedIndex(NodeId voter, Index* index) const override;

 private:
  std::map<NodeId, Index> acked_;
};

// Votes cast so far: true = granted, false = rejected; absent = no answer.
using VoteMap = std::map<NodeId, bool>;

class MajorityConfig {
 public:
  MajorityConfig() = default;
  explicit MajorityConfig(std::set<NodeId> voters)
      : voters_(std::move(voters)) {}

  const std::set<NodeId>& voters() const { return voters_; }
  std::set<NodeId>& mutable_voters() { return voters_; }
  bool empty() const { return voters_.empty(); }
  size_t size() const { return voters_.size(); }
  bool Contains(NodeId id) const { return voters_.count(id) != 0; }

  // The largest index acknowledged by a majority; kInfiniteIndex when empty.
  Index CommittedIndex(const AckedIndexer& acked) const;
  // kWon for an empty config (so a joint config can ignore an empty half).
  VoteResult Vote(const VoteMap& votes) const;
  // "(1 2 3)"
  std::string Describe() const;

  bool operator==(const MajorityConfig&) const = default;

 private:
  std::set<NodeId> voters_;
};

// Two majority configs that must both agree. `outgoing` is empty outside a
// joint configuration, and then this behaves exactly like `incoming`.
struct JointConfig {
  MajorityConfig incoming;
  MajorityConfig outgoing;

  bool IsJoint() const { return !outgoing.empty(); }
  bool Contains(NodeId id) const {
    return incoming.Contains(id) || outgoing.Contains(id);
  }
  std::set<NodeId> Ids() const;
  Index CommittedIndex(const AckedIndexer& acked) const;
  VoteResult Vote(const VoteMap& votes) const;
  std::string Describe() const;

  bool operator==(const JointConfig&) const = default;
};

}  // namespace core::raft::quorum

#endif  // CORE_RAFT_QUORUM_QUORUM_H_
