#include "sim/runner/seed_range.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/base/numbers.h"
#include "sim/runner/run_flags.h"

namespace sim::runner {

absl::StatusOr<uint64_t> ParseSeed(std::string_view text) {
  const std::optional<uint64_t> seed = core::base::ParseInteger<uint64_t>(text);
  if (!seed)
    return BadFlag("seed", text, "a seed in [0, 18446744073709551615]");
  return *seed;
}

absl::StatusOr<SeedRange> ParseSeedRange(std::string_view text) {
  const size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    return BadFlag("seeds", text, "A..B (inclusive)");
  }
  const std::optional<uint64_t> first =
      core::base::ParseInteger<uint64_t>(text.substr(0, dots));
  const std::optional<uint64_t> last =
      core::base::ParseInteger<uint64_t>(text.substr(dots + 2));
  if (!first || !last) {
    return BadFlag("seeds", text,
                   "A..B with A and B in [0, 18446744073709551615]");
  }
  if (*first > *last) return BadFlag("seeds", text, "A..B with A <= B");
  if (*first == 0 && *last == std::numeric_limits<uint64_t>::max()) {
    return BadFlag("seeds", text,
                   "at most 18446744073709551615 seeds (not all 2^64)");
  }
  return SeedRange{*first, *last};
}

std::optional<uint64_t> SeedCursor::Next() {
  if (done_) return std::nullopt;
  const uint64_t seed = next_;
  if (seed == range_.last) {
    done_ = true;
  } else {
    ++next_;
  }
  return seed;
}

std::vector<uint64_t> SpreadSample(SeedRange range, uint64_t n) {
  const uint64_t size = range.size();
  n = std::min(n, size);
  std::vector<uint64_t> seeds;
  seeds.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const unsigned __int128 offset =
        static_cast<unsigned __int128>(i) * size / n;
    seeds.push_back(range.first + static_cast<uint64_t>(offset));
  }
  return seeds;
}

}  // namespace sim::runner
