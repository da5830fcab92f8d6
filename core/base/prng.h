// A small, fast, deterministic pseudo-random generator (xoshiro256**, seeded
// through splitmix64). Pure: the same seed gives the same sequence on every
// platform and build, which is what simulation replay and the Raft core's
// election jitter rely on. Not for cryptography.
#ifndef CORE_BASE_PRNG_H_
#define CORE_BASE_PRNG_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace core::base {

class Prng {
 public:
  explicit Prng(uint64_t seed);

  uint64_t NextU64();

  // Uniform in [0, bound). bound must be positive. Uses rejection so that the
  // result is unbiased.
  uint64_t Uniform(uint64_t bound);

  // Uniform in [low, high]; requires low <= high.
  int64_t UniformInRange(int64_t low, int64_t high);

  // True with probability numerator/denominator.
  bool OneIn(uint64_t denominator) { return Uniform(denominator) == 0; }

  // True with probability p (0 <= p <= 1).
  bool Bernoulli(double p);

  // Uniform double in [0, 1).
  double NextDouble();

  // A new independent generator derived from this one (for per-node streams).
  Prng Fork();

  // Fisher-Yates: every permutation equally likely. Draws Uniform(n),
  // Uniform(n - 1), ..., Uniform(2), in that order (pinned: seeded runs
  // replay through it).
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Uniform(i)]);
    }
  }

 private:
  uint64_t state_[4];
};

// Unbiased draw in [0, bound) from a source of uniform 64-bit words: the top
// partial bucket is rejected so every residue is equally likely.
template <typename NextWord>
uint64_t DrawUniform(NextWord&& next_word, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  uint64_t draw = next_word();
  while (draw >= limit) draw = next_word();
  return draw % bound;
}

// Maps 64 random bits to a double in [0, 1) using 53 mantissa bits.
inline double UnitDouble(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// splitmix64 step: also a decent 64-bit mixing function for hashing seeds.
uint64_t SplitMix64(uint64_t* state);

}  // namespace core::base

#endif  // CORE_BASE_PRNG_H_
