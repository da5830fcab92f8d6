#include "core/env/random.h"

#include "core/base/check.h"

namespace core::env {

uint64_t Random::Uniform(uint64_t bound) {
  CHECK_GT(bound, 0u);
  return base::DrawUniform([this] { return NextU64(); }, bound);
}

bool Random::Bernoulli(double p) {
  CHECK(p >= 0.0 && p <= 1.0) << "probability " << p;
  return base::UnitDouble(NextU64()) < p;
}

}  // namespace core::env
