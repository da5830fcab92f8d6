// Random: the only source of randomness for drivers. In simulation every node
// gets its own stream derived from the run seed, so a run replays bit-exactly.
// Cores take a Random& (or a base::Prng) injected by their driver and never
// create their own.
#ifndef CORE_ENV_RANDOM_H_
#define CORE_ENV_RANDOM_H_

#include <cstdint>

#include "core/base/prng.h"

namespace core::env {

class Random {
 public:
  virtual ~Random() = default;

  // The next 64 uniformly distributed bits.
  virtual uint64_t NextU64() = 0;

  // Uniform in [0, bound), unbiased; bound must be positive.
  uint64_t Uniform(uint64_t bound);

  // True with probability p.
  bool Bernoulli(double p);
};

// A deterministic Random over base::Prng. The simulator seeds one per node;
// the real runtime seeds one from the operating system at start-up and logs
// the seed.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : prng_(seed) {}
  uint64_t NextU64() override { return prng_.NextU64(); }

 private:
  base::Prng prng_;
};

}  // namespace core::env

#endif  // CORE_ENV_RANDOM_H_
