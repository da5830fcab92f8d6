#include "core/base/prng.h"

#include "core/base/check.h"

namespace core::base {
namespace {

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Prng::Prng(uint64_t seed) {
  uint64_t mix = seed;
  for (uint64_t& word : state_) word = SplitMix64(&mix);
}

uint64_t Prng::NextU64() {
  const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = RotateLeft(state_[3], 45);
  return result;
}

uint64_t Prng::Uniform(uint64_t bound) {
  CHECK_GT(bound, 0u);
  return DrawUniform([this] { return NextU64(); }, bound);
}

int64_t Prng::UniformInRange(int64_t low, int64_t high) {
  CHECK_LE(low, high);
  const uint64_t span =
      static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  if (span == UINT64_MAX) return static_cast<int64_t>(NextU64());
  return static_cast<int64_t>(static_cast<uint64_t>(low) + Uniform(span + 1));
}

bool Prng::Bernoulli(double p) {
  CHECK(p >= 0.0 && p <= 1.0) << "probability " << p;
  return NextDouble() < p;
}

double Prng::NextDouble() { return UnitDouble(NextU64()); }

Prng Prng::Fork() { return Prng(NextU64()); }

}  // namespace core::base
