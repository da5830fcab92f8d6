// Buggify: the simulator's core::env::FaultPoints (BUGGIFY, after
// FoundationDB's flow/Buggify.h). Code reaches it only through the
// FAULT_POINT macros of core/env/fault_points.h, drivers through their Env:
//
//   if (FAULT_POINT(env.faults)) batch_limit = 1;              // rare branch
//   if (FAULT_POINT_WITH_PROB(env.faults, 0.01)) return Err;  // rarer
//
// A site is one source location (file:line). Per run, each site is either
// active (with probability `activation_probability`) or not; an active site
// then fires on each evaluation with probability `fire_probability` (or the
// explicit probability of FAULT_POINT_WITH_PROB). Activation is a hash of
// (seed, file, line), so it does not depend on which sites happen to run
// first; firing draws from this object's own PRNG stream. Both are
// deterministic from the seed. Whether the macros consult it at all is
// decided at build time by SIM_BUGGIFY_ENABLED (see fault_points.h); there
// is no global: each simulated process reaches it through its environment.
//
// Thread-affinity: the simulator's thread.
#ifndef SIM_BUGGIFY_BUGGIFY_H_
#define SIM_BUGGIFY_BUGGIFY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/base/prng.h"
#include "core/env/fault_points.h"

namespace sim {

struct BuggifyOptions {
  // Off for a whole run: no site is active (FDB enables buggify on about
  // 80% of simulation runs).
  bool enabled = true;
  double activation_probability = 0.25;
  double fire_probability = 0.25;
  std::string ToString() const;
};

class Buggify final : public core::env::FaultPoints {
 public:
  struct SiteReport {
    std::string file;
    int line;
    bool active;
    uint64_t evaluations;
    uint64_t fires;
  };
  using FireObserver = std::function<void(std::string_view file, int line)>;

  Buggify(uint64_t seed, const BuggifyOptions& options);

  // Whether the site at file:line fires now; `fire_probability` < 0 means
  // the options' default. `file` must have static storage (__FILE__).
  bool Fire(const char* file, int line, double fire_probability) override;
  // While not firing (e.g. a run's quiet liveness phase), Fire returns false
  // without drawing; activation and evaluation counts are unaffected.
  void SetFiring(bool firing) { firing_ = firing; }
  bool firing() const { return firing_; }
  // Whether the site is active this run (records the site).
  bool IsActive(const char* file, int line);

  // Called on every fire (e.g. to fold it into the loop's trace hash).
  void SetFireObserver(FireObserver observer) {
    observer_ = std::move(observer);
  }
  // Every site evaluated so far, sorted by (file, line): for run reports.
  std::vector<SiteReport> Sites() const;
  const BuggifyOptions& options() const { return options_; }

 private:
  struct Site {
    bool active;
    uint64_t evaluations = 0;
    uint64_t fires = 0;
  };
  Site& Lookup(const char* file, int line);

  uint64_t seed_;
  BuggifyOptions options_;
  core::base::Prng prng_;
  absl::flat_hash_map<std::pair<std::string_view, int>, Site> sites_;
  FireObserver observer_;
  bool firing_ = true;
};

}  // namespace sim

#endif  // SIM_BUGGIFY_BUGGIFY_H_
