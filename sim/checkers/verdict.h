// Verdict: how one simulated run ended, for every workload and the runner.
#ifndef SIM_CHECKERS_VERDICT_H_
#define SIM_CHECKERS_VERDICT_H_

#include <string_view>

namespace sim::checkers {

enum class Verdict {
  kPass,
  kSafetyViolation,  // an invariant broke, or a node CHECK-failed
  kNotLinearizable,  // the history has no linearization
  kNoConvergence,    // the liveness phase did not converge in time
  kCheckerUnknown,   // the history search gave up (not a failure)
};

// "pass", "safety-violation", "not-linearizable", "no-convergence",
// "checker-unknown" (the runner's RESULT lines carry these names).
std::string_view VerdictName(Verdict verdict);
inline bool IsFailure(Verdict v) {
  return v != Verdict::kPass && v != Verdict::kCheckerUnknown;
}

}  // namespace sim::checkers

#endif  // SIM_CHECKERS_VERDICT_H_
