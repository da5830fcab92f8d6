// RegisterOracle: the register's safety oracles, run after every step of
// every node (each handled Ready, each boot, each crash): core/raft's
// invariants through one InvariantChecker (point-in-time, transition and
// history checks; incremental, so a long run stays linear), the
// simulator's VotesAreDurable, and the checker's LinearizableRead for every
// ReadIndex or lease read.
//
// An observation holds every live node (through RegisterHost) and, for a
// node that is down, the durable state it will restart with. Each node's
// logs are observed from the first entry not yet seen committed on it, or
// its last `observe_window` entries if that is more; entries before a
// window count as covered, as a snapshot would (LogView semantics).
// Observations are deduplicated by a digest of the scalars that determine
// them.
#ifndef SIM_REGISTER_REGISTER_ORACLE_H_
#define SIM_REGISTER_REGISTER_ORACLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/invariants/invariants.h"
#include "sim/host/hosts.h"
#include "sim/register/register_host.h"

namespace sim::register_kv {

class RegisterOracle {
 public:
  using Violation = core::raft::invariants::Violation;

  // Hosts 1..nodes are the group's members.
  RegisterOracle(host::Hosts& hosts, int nodes, int observe_window);

  // The running node of `node`, or null.
  RegisterHost* Live(int node);
  // A node that is down restarts with `state` (as far as the oracles know).
  void SetDown(int node, DurableRaftState state);
  void ClearDown(int node) { down_.erase(node); }

  // Checks the group's state if it changed since the last check.
  std::optional<Violation> Check();
  void OnReadRequested(const std::string& ctx);
  std::optional<Violation> OnReadServed(const std::string& ctx,
                                        core::raft::Index index);
  uint64_t observations() const { return observations_; }

 private:
  core::raft::Index WindowStart(int node, core::raft::Index last) const;
  core::raft::invariants::ClusterObservation Observe();
  core::raft::invariants::NodeObservation ObserveDown(
      int node, const DurableRaftState& down) const;
  std::string Digest();

  host::Hosts& hosts_;
  int nodes_;
  int observe_window_;
  core::raft::invariants::InvariantChecker checker_;
  std::map<int, DurableRaftState> down_;
  std::vector<core::raft::Index> commit_seen_;
  std::string last_digest_;
  uint64_t observations_ = 0;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_ORACLE_H_
