#include "pd/core/invariants/split_merge_walk.h"

#include <algorithm>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/region/split_merge.h"

namespace pd::invariants {

using core::region::Region;

namespace {

// Keys are 8-byte big-endian numbers; -inf/+inf map to 0 and 2^64.
unsigned __int128 KeyNumber(const std::string& key, bool is_end) {
  if (key.empty())
    return is_end ? (static_cast<unsigned __int128>(1) << 64) : 0;
  core::base::BytesView view(key);
  uint64_t number = 0;
  std::string padded = key.substr(0, 8);
  padded.resize(8, '\0');
  view = padded;
  CHECK(core::base::GetFixed64BigEndian(&view, &number));
  return number;
}

std::string EncodeKey(uint64_t number) {
  std::string key;
  core::base::PutFixed64BigEndian(&key, number);
  return key;
}

struct Walk {
  core::base::Prng prng;
  std::vector<Region> regions;  // sorted by start key
  uint64_t next_id = 100;

  void SortRegions() {
    std::sort(regions.begin(), regions.end(),
              [](const Region& a, const Region& b) {
                return a.start_key < b.start_key;
              });
  }

  bool TrySplit(size_t index) {
    const Region& region = regions[index];
    const unsigned __int128 low = KeyNumber(region.start_key, false);
    const unsigned __int128 high = KeyNumber(region.end_key, true);
    if (high - low < 2) return false;
    const uint64_t span = static_cast<uint64_t>(
        std::min<unsigned __int128>(high - low - 1, UINT64_MAX));
    const uint64_t key = static_cast<uint64_t>(low + 1 + prng.Uniform(span));
    core::region::SplitRequest request;
    request.epoch = region.epoch;
    request.split_keys = {EncodeKey(key)};
    request.new_ids = {{next_id, {next_id + 1, next_id + 2, next_id + 3}}};
    request.right_derive = prng.OneIn(2);
    next_id += 4;
    auto parts = core::region::Split(region, request);
    CHECK(parts.ok()) << core::region::ErrorToString(parts.error());
    regions.erase(regions.begin() + index);
    for (Region& part : parts.value()) regions.push_back(std::move(part));
    SortRegions();
    return true;
  }

  bool TryMerge(size_t index) {
    if (index + 1 >= regions.size()) return false;
    const bool into_right = prng.OneIn(2);
    const Region& source = into_right ? regions[index] : regions[index + 1];
    const Region& target = into_right ? regions[index + 1] : regions[index];
    auto merged =
        core::region::Merge(source, target, {source.epoch, target.epoch});
    // The mutant can make neighbours non-adjacent; that is not a merge.
    if (!merged.ok()) return false;
    Region result = merged.value();
    regions.erase(regions.begin() + index, regions.begin() + index + 2);
    regions.push_back(std::move(result));
    SortRegions();
    return true;
  }
};

}  // namespace

SplitMergeWalkResult RunSplitMergeWalk(const SplitMergeWalkOptions& options) {
  Walk walk{core::base::Prng(options.seed), {}, 100};
  Region root;
  root.id = 1;
  root.epoch = {.conf_ver = 1, .version = 1};
  root.peers = {{2, 1, core::region::PeerRole::kVoter},
                {3, 2, core::region::PeerRole::kVoter},
                {4, 3, core::region::PeerRole::kVoter}};
  walk.regions.push_back(root);
  SplitMergeWalkResult result;
  for (int step = 0; step < options.steps; ++step) {
    const std::vector<Region> before = walk.regions;
    const size_t index = walk.prng.Uniform(walk.regions.size());
    // Split more often than merge so the region set grows.
    if (walk.prng.Uniform(3) < 2) {
      if (walk.TrySplit(index)) ++result.splits;
    } else if (walk.TryMerge(index)) {
      ++result.merges;
    }
    result.steps_run = step + 1;
    for (auto check :
         {RangesDisjoint(walk.regions), RangesCoverKeySpace(walk.regions),
          EpochMonotonic(before, walk.regions)}) {
      if (!check.ok()) {
        result.violation = check.error();
        return result;
      }
    }
  }
  return result;
}

}  // namespace pd::invariants
