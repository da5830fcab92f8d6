#include "sim/runner/shrink.h"

#include <algorithm>

namespace sim::runner {
namespace {

// `c` cut into `parts` contiguous chunks of near-equal size.
std::vector<Candidate> Chunks(const Candidate& c, size_t parts) {
  std::vector<Candidate> chunks;
  size_t begin = 0;
  for (size_t i = 0; i < parts; ++i) {
    const size_t end = c.size() * (i + 1) / parts;
    chunks.emplace_back(c.begin() + begin, c.begin() + end);
    begin = end;
  }
  return chunks;
}

Candidate Without(const Candidate& c, const Candidate& removed) {
  Candidate out;
  std::set_difference(c.begin(), c.end(), removed.begin(), removed.end(),
                      std::back_inserter(out));
  return out;
}

// Index of the first failing candidate, or -1.
int FirstFailing(const std::vector<Candidate>& batch, const BatchTest& test,
                 ShrinkStats* stats) {
  if (batch.empty()) return -1;
  stats->runs += batch.size();
  const std::vector<bool> fails = test(batch);
  for (size_t i = 0; i < batch.size() && i < fails.size(); ++i) {
    if (fails[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Candidate ShrinkFailingSet(size_t n, const BatchTest& test,
                           ShrinkStats* stats) {
  ShrinkStats local;
  if (stats == nullptr) stats = &local;
  Candidate current(n);
  for (size_t i = 0; i < n; ++i) current[i] = i;
  // The cheapest answer first: perhaps no fault is needed at all.
  if (n > 0 && FirstFailing({Candidate{}}, test, stats) == 0) return {};
  size_t parts = 2;
  while (current.size() >= 2) {
    ++stats->rounds;
    parts = std::min(parts, current.size());
    const std::vector<Candidate> chunks = Chunks(current, parts);
    if (int i = FirstFailing(chunks, test, stats); i >= 0) {
      current = chunks[static_cast<size_t>(i)];
      parts = 2;
      continue;
    }
    std::vector<Candidate> complements;
    if (parts > 2) {
      for (const Candidate& chunk : chunks) {
        complements.push_back(Without(current, chunk));
      }
    }
    if (int i = FirstFailing(complements, test, stats); i >= 0) {
      current = complements[static_cast<size_t>(i)];
      parts = std::max<size_t>(parts - 1, 2);
      continue;
    }
    if (parts >= current.size()) break;
    parts = std::min(parts * 2, current.size());
  }
  return current;
}

}  // namespace sim::runner
