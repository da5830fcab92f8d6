#include "sim/checkers/history.h"

namespace sim::checkers {

HistoryCheck CheckLinearizable(const jepsen::history::History& history,
                               jepsen::linear::ModelKind model,
                               size_t max_configurations) {
  jepsen::linear::ModelOptions model_options;
  model_options.kind = model;
  jepsen::linear::CheckOptions check;
  check.threads = 1;
  check.max_cache_entries = max_configurations;
  auto result = jepsen::linear::Check(history, model_options, check);
  if (!result.ok()) {
    return {Verdict::kNotLinearizable, "history",
            "unreadable history: " + result.status().ToString()};
  }
  switch (result->validity) {
    case jepsen::linear::Validity::kInvalid:
      return {Verdict::kNotLinearizable, "Linearizable", result->explanation};
    case jepsen::linear::Validity::kUnknown:
      return {Verdict::kCheckerUnknown, "Linearizable", result->explanation};
    default:
      return {};
  }
}

}  // namespace sim::checkers
