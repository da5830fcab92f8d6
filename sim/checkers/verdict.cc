#include "sim/checkers/verdict.h"

namespace sim::checkers {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kSafetyViolation:
      return "safety-violation";
    case Verdict::kNotLinearizable:
      return "not-linearizable";
    case Verdict::kNoConvergence:
      return "no-convergence";
    case Verdict::kCheckerUnknown:
      return "checker-unknown";
  }
  return "unknown";
}

}  // namespace sim::checkers
