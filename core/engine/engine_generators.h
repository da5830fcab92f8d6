// RapidCheck generators for engine property tests: keys from a tiny alphabet
// (so that operations collide often, including the bytes 0x00 and 0xff that
// exercise ordering edge cases), values, batches, bounds and iterator moves.
// Use inside a property body: `env::WriteBatch batch = GenBatch(4);`.
#ifndef CORE_ENGINE_ENGINE_GENERATORS_H_
#define CORE_ENGINE_ENGINE_GENERATORS_H_

#include <rapidcheck.h>

#include <string>
#include <utility>

#include "core/engine/engine_model.h"
#include "core/env/engine.h"

namespace core::engine::testing {

inline std::string GenKey() {
  const size_t length = *rc::gen::inRange<size_t>(0, 4);
  return *rc::gen::container<std::string>(
      length, rc::gen::element<char>('a', 'b', 'c', '\0', '\xff'));
}

inline std::string GenValue() {
  const size_t length = *rc::gen::inRange<size_t>(0, 6);
  return *rc::gen::container<std::string>(length, rc::gen::arbitrary<char>());
}

inline env::Cf GenCf() {
  return env::kAllCfs[*rc::gen::inRange<size_t>(0, env::kAllCfs.size())];
}

// A batch of 1..max_ops puts, deletes and delete-ranges.
inline env::WriteBatch GenBatch(int max_ops) {
  env::WriteBatch batch;
  const int ops = *rc::gen::inRange(1, max_ops + 1);
  for (int i = 0; i < ops; ++i) {
    const env::Cf cf = GenCf();
    const int kind = *rc::gen::inRange(0, 20);
    if (kind < 12) {
      batch.Put(cf, GenKey(), GenValue());
    } else if (kind < 17) {
      batch.Delete(cf, GenKey());
    } else {
      std::string begin = GenKey();
      std::string end = GenKey();
      if (end < begin) std::swap(begin, end);
      batch.DeleteRange(cf, begin, end);
    }
  }
  return batch;
}

// Optional lower and upper bounds with lower <= upper.
inline env::IteratorOptions GenBounds() {
  env::IteratorOptions options;
  if (*rc::gen::arbitrary<bool>()) options.lower_bound = GenKey();
  if (*rc::gen::arbitrary<bool>()) options.upper_bound = GenKey();
  if (options.lower_bound && options.upper_bound &&
      *options.upper_bound < *options.lower_bound) {
    std::swap(options.lower_bound, options.upper_bound);
  }
  return options;
}

// A move that is legal in the current state (kNext/kPrev only when valid).
inline IteratorMove GenMove(bool valid) {
  const int choices = valid ? 6 : 4;
  return static_cast<IteratorMove>(*rc::gen::inRange(0, choices));
}

}  // namespace core::engine::testing

#endif  // CORE_ENGINE_ENGINE_GENERATORS_H_
