// CheckHistory: the end-of-run history check shared by the workloads: a
// Jepsen history (virtual times) checked for linearizability with
// jepsen/linear under a model, per key. The search is bounded by a cap on
// configurations, a function of the history alone (a wall-clock limit would
// make the verdict depend on the machine): past it the verdict is
// checker-unknown, which sweeps count but do not fail.
#ifndef SIM_CHECKERS_HISTORY_H_
#define SIM_CHECKERS_HISTORY_H_

#include <cstddef>
#include <string>

#include "jepsen/history/history.h"
#include "jepsen/linear/linear.h"
#include "sim/checkers/verdict.h"

namespace sim::checkers {

struct HistoryCheck {
  // kPass, kNotLinearizable or kCheckerUnknown.
  Verdict verdict = Verdict::kPass;
  // "Linearizable", or "history" when the history could not be read.
  std::string invariant;
  std::string detail;
};

inline constexpr size_t kLinearizabilityCap = 5'000'000;

HistoryCheck CheckLinearizable(const jepsen::history::History& history,
                               jepsen::linear::ModelKind model,
                               size_t max_configurations = kLinearizabilityCap);

}  // namespace sim::checkers

#endif  // SIM_CHECKERS_HISTORY_H_
