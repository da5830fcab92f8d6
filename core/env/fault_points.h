// FaultPoints: code fault injection reachable from driver code (BUGGIFY,
// after FoundationDB's flow/Buggify.h), passed in through core::env::Env like
// every other part of the environment.
//
//   if (FAULT_POINT(env.faults)) batch_limit = 1;              // rare branch
//   if (FAULT_POINT_WITH_PROB(env.faults, 0.01)) return Err;  // rarer
//
// A fault point is one source location (file:line). The implementation
// decides whether it fires: the simulator's sim::Buggify activates each site
// for a whole run from the seed and then fires it at random; the runtime
// passes NeverFaultPoints.
//
// Build flag: the macros evaluate their context only when SIM_BUGGIFY_ENABLED
// is defined (simulation builds: a `local_defines` variant of each driver
// library, or `--copt=-DSIM_BUGGIFY_ENABLED`). Otherwise they are the
// constant `false`; the context expression is type-checked but never
// evaluated, so runtime builds contain no fault points at all.
//
// Thread-affinity: the calling executor's thread (one Env per node).
#ifndef CORE_ENV_FAULT_POINTS_H_
#define CORE_ENV_FAULT_POINTS_H_

namespace core::env {

class FaultPoints {
 public:
  virtual ~FaultPoints() = default;
  // Whether the fault point at file:line fires now. `probability` < 0 means
  // the implementation's default firing probability; otherwise it must be
  // in [0, 1]. `file` must have static storage (__FILE__).
  virtual bool Fire(const char* file, int line, double probability) = 0;
};

// The runtime's fault points: none ever fires.
class NeverFaultPoints final : public FaultPoints {
 public:
  bool Fire(const char*, int, double) override { return false; }
};

}  // namespace core::env

#if defined(SIM_BUGGIFY_ENABLED)
#define FAULT_POINT(faults) ((faults).Fire(__FILE__, __LINE__, -1.0))
#define FAULT_POINT_WITH_PROB(faults, p) \
  ((faults).Fire(__FILE__, __LINE__, (p)))
#else
#define FAULT_POINT(faults) (static_cast<void>(sizeof(&(faults))), false)
#define FAULT_POINT_WITH_PROB(faults, p) \
  (static_cast<void>(sizeof(&(faults))), static_cast<void>(sizeof(p)), false)
#endif

#endif  // CORE_ENV_FAULT_POINTS_H_
