// Seeds from the command line: --seed=N and --seeds=A..B (inclusive),
// within the seed type's range [0, 2^64 - 1], and the lazy walk of a
// sweep's range (one seed at a time, so a sweep's memory does not grow
// with the size of its range).
#ifndef SIM_RUNNER_SEED_RANGE_H_
#define SIM_RUNNER_SEED_RANGE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sim::runner {

struct SeedRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive; first <= last
  // How many seeds. Never zero: ParseSeedRange refuses the one range whose
  // size does not fit (all 2^64 seeds).
  uint64_t size() const { return last - first + 1; }
};

// A seed: a decimal integer in [0, 2^64 - 1]; anything else (a sign, a
// number past the limit) is an error quoting the text.
absl::StatusOr<uint64_t> ParseSeed(std::string_view text);
// "A..B" with seeds A <= B, both within the limit.
absl::StatusOr<SeedRange> ParseSeedRange(std::string_view text);

// Walks a range once, in order; stops after `last` without wrapping, even
// at 2^64 - 1.
class SeedCursor {
 public:
  explicit SeedCursor(SeedRange range) : range_(range), next_(range.first) {}
  std::optional<uint64_t> Next();

 private:
  const SeedRange range_;
  uint64_t next_;
  bool done_ = false;
};

// min(n, size) seeds spread evenly over the range, ascending: the i-th is
// first + floor(i * size / n). A sweep's determinism sample.
std::vector<uint64_t> SpreadSample(SeedRange range, uint64_t n);

}  // namespace sim::runner

#endif  // SIM_RUNNER_SEED_RANGE_H_
