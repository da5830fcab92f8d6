// Scripted scenarios shared by the scenario tests and the mutant tests (the
// same script must pass on the real core and catch the mutant).
#ifndef CORE_RAFT_TESTING_SCENARIOS_H_
#define CORE_RAFT_TESTING_SCENARIOS_H_

#include <optional>

#include "core/raft/invariants/invariants.h"

namespace core::raft::testing {

struct Figure8Outcome {
  // Whether the term-3 leader committed the term-1 entry by counting its
  // replicas (what Figure 8 forbids).
  bool old_term_entry_committed = false;
  // The first invariant violation over the whole run.
  std::optional<invariants::Violation> violation;
};

// Raft paper Figure 8 on five nodes: an entry of an old term reaches a
// majority under a later leader, which must not commit it by counting
// replicas; a node whose log holds a newer conflicting entry is then elected
// and overwrites it. Ref: Raft paper §5.4.2, Figure 8.
Figure8Outcome RunFigure8Scenario();

}  // namespace core::raft::testing

#endif  // CORE_RAFT_TESTING_SCENARIOS_H_
