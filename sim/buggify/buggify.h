// BUGGIFY-style code fault points (after FoundationDB's flow/Buggify.h).
//
//   if (SIM_BUGGIFY(buggify)) batch_limit = 1;             // rare branch
//   if (SIM_BUGGIFY_WITH_PROB(buggify, 0.01)) return Err;  // rarer
//
// A site is one source location (file:line). Per run, each site is either
// active (with probability `activation_probability`) or not; an active site
// then fires on each evaluation with probability `fire_probability` (or the
// explicit probability of SIM_BUGGIFY_WITH_PROB). Activation is a hash of
// (seed, file, line), so it does not depend on which sites happen to run
// first; firing draws from the context's own PRNG stream. Both are
// deterministic from the seed.
//
// Build flag: the macros evaluate the context only when SIM_BUGGIFY_ENABLED
// is defined (the simulator's build: `--copt=-DSIM_BUGGIFY_ENABLED`, or
// `local_defines` on a test). Otherwise they are the constant `false`; the
// context expression is type-checked but never evaluated, so runtime builds
// contain no fault points at all. The context is passed explicitly: there is
// no global, each simulated process reaches it through its environment.
//
// Buggify is the simulator's core::env::FaultPoints: drivers reach it through
// their Env (`FAULT_POINT(env.faults)`, core/env/fault_points.h); the
// SIM_BUGGIFY macros below are the same thing for simulator-only code.
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

#if defined(SIM_BUGGIFY_ENABLED)
#define SIM_BUGGIFY(ctx) ((ctx).Fire(__FILE__, __LINE__, -1.0))
#define SIM_BUGGIFY_WITH_PROB(ctx, p) ((ctx).Fire(__FILE__, __LINE__, (p)))
#else
#define SIM_BUGGIFY(ctx) (static_cast<void>(sizeof(&(ctx))), false)
#define SIM_BUGGIFY_WITH_PROB(ctx, p) \
  (static_cast<void>(sizeof(&(ctx))), static_cast<void>(sizeof(p)), false)
#endif

#endif  // SIM_BUGGIFY_BUGGIFY_H_
