// A seeded pure model of several PD nodes running the TSO state machine over
// shared storage: skewed clocks that jump backwards and forwards, persistence
// writes that are delayed or lost, leader crashes and failovers. Every
// timestamp handed out is checked with invariants::TsoStrictlyIncreasing.
//
// Leadership is exclusive (PD's leader lease), and a storage write succeeds
// only for the leadership that issued it (PD's etcd leader-conditioned txn).
#ifndef PD_CORE_TSO_TSO_CLUSTER_MODEL_H_
#define PD_CORE_TSO_TSO_CLUSTER_MODEL_H_

#include <cstdint>
#include <optional>

#include "pd/core/invariants/invariants.h"

namespace pd::tso {

struct TsoClusterModelOptions {
  uint64_t seed = 1;
  int steps = 2000;
  int nodes = 3;
  // Each node's clock is real time plus a skew in [-max_skew_ms, max_skew_ms]
  // that is redrawn now and then (a clock jump).
  int64_t max_skew_ms = 2000;
  // Small so that logical overflow and the "advance by 1 ms" path are hit.
  int64_t max_logical = 64;
};

struct TsoClusterModelResult {
  int64_t issued = 0;
  int64_t failovers = 0;
  int64_t clock_jumps_back = 0;
  int64_t writes_lost = 0;
  int64_t not_persisted_errors = 0;
  int64_t logical_exhausted_errors = 0;
  std::optional<invariants::Violation> violation;  // the first one found
};

TsoClusterModelResult RunTsoClusterModel(const TsoClusterModelOptions& options);

}  // namespace pd::tso

#endif  // PD_CORE_TSO_TSO_CLUSTER_MODEL_H_
