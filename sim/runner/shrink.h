// Delta debugging of a failing fault schedule (Zeller & Hildebrandt,
// "Simplifying and Isolating Failure-Inducing Input", TSE 2002: ddmin).
//
// The schedule is a list of n events; a candidate is a subset of their
// indices (kept in order). `test` runs a batch of candidates (in parallel if
// it likes) and says which still fail. Within a round the first failing
// candidate in batch order is taken, so the result does not depend on
// which run finished first. The result is 1-minimal: removing any single
// event makes the failure go away (or it is empty: the failure needs no
// injected fault at all).
#ifndef SIM_RUNNER_SHRINK_H_
#define SIM_RUNNER_SHRINK_H_

#include <cstddef>
#include <functional>
#include <vector>

namespace sim::runner {

using Candidate = std::vector<size_t>;
// Returns, for each candidate, whether the run still fails.
using BatchTest =
    std::function<std::vector<bool>(const std::vector<Candidate>& batch)>;

struct ShrinkStats {
  size_t rounds = 0;
  size_t runs = 0;
};

// Shrinks [0, n) to a 1-minimal failing subset. Requires that the full set
// fails (not re-tested).
Candidate ShrinkFailingSet(size_t n, const BatchTest& test,
                           ShrinkStats* stats = nullptr);

}  // namespace sim::runner

#endif  // SIM_RUNNER_SHRINK_H_
