// Partition shapes (Jepsen's one / halves / majorities-ring, TigerBeetle's
// symmetric and asymmetric partitions) over a list of hosts or processes.
// The caller draws the order (a shuffle from its seeded PRNG); the shapes
// themselves are pure, so the generator and the tests share one formula.
#ifndef SIM_NEMESIS_SHAPES_H_
#define SIM_NEMESIS_SHAPES_H_

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace sim::nemesis {

// {victim} against everyone else in `members`.
template <typename Id>
std::vector<std::vector<Id>> IsolateOne(Id victim,
                                        const std::vector<Id>& members) {
  std::vector<std::vector<Id>> groups(2);
  groups[0].push_back(victim);
  for (Id id : members) {
    if (id != victim) groups[1].push_back(id);
  }
  return groups;
}

// `order` split into its first floor(n/2) and its last ceil(n/2).
template <typename Id>
std::vector<std::vector<Id>> Halves(const std::vector<Id>& order) {
  const size_t half = order.size() / 2;
  return {std::vector<Id>(order.begin(), order.begin() + half),
          std::vector<Id>(order.begin() + half, order.end())};
}

// Hosts on each side of a ring that a majorities-ring partition leaves
// connected: with itself, each host then sees floor(n/2) + 1 of the n.
inline size_t MajorityRingReach(size_t n) { return (n / 2 + 1) / 2; }

// Jepsen's majorities-ring: the hosts sit on a ring in the order of `ring`;
// each keeps only its MajorityRingReach nearest neighbours on either side,
// so every host sees a majority but (for n >= 5) no two see the same one.
// Returns the pairs to block (both ways), each as (smaller, larger), sorted.
template <typename Id>
std::vector<std::pair<Id, Id>> MajorityRing(const std::vector<Id>& ring) {
  const size_t n = ring.size();
  const size_t reach = MajorityRingReach(n);
  std::vector<std::pair<Id, Id>> pairs;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      if (std::min(j - i, n - (j - i)) > reach) {
        pairs.push_back(
            {std::min(ring[i], ring[j]), std::max(ring[i], ring[j])});
      }
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace sim::nemesis

#endif  // SIM_NEMESIS_SHAPES_H_
