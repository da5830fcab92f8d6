#include "store/raftstore/split_check.h"

#include <iterator>
#include <memory>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

using core::env::Iterator;

// The iterator among `its` at the least key, or nullptr when all are done.
Iterator* Least(const std::vector<std::unique_ptr<Iterator>>& its) {
  Iterator* least = nullptr;
  for (const auto& it : its) {
    if (it->Valid() && (least == nullptr || it->key() < least->key())) {
      least = it.get();
    }
  }
  return least;
}

}  // namespace

absl::StatusOr<core::env::RangeSize> RegionApproximateSize(
    core::env::Engine& engine, const core::region::Region& region) {
  core::env::RangeSize total;
  for (core::env::Cf cf : kDataCfs) {
    auto size = engine.ApproximateSize(cf, DataKey(region.start_key),
                                       DataEndKey(region.end_key));
    if (!size.ok()) return size.status();
    total.bytes += size->bytes;
    total.keys += size->keys;
  }
  return total;
}

bool OverSplitLimits(const core::env::RangeSize& size,
                     const SplitCheckOptions& options) {
  return size.bytes > options.region_max_size_bytes ||
         size.keys > options.region_max_keys;
}

absl::StatusOr<std::optional<std::string>> FindSplitKey(
    const core::env::Snapshot& snapshot, const core::region::Region& region,
    const SplitCheckOptions& options) {
  std::vector<std::unique_ptr<Iterator>> its;
  for (core::env::Cf cf : kDataCfs) {
    its.push_back(
        snapshot.NewIterator(cf, {.lower_bound = DataKey(region.start_key),
                                  .upper_bound = DataEndKey(region.end_key)}));
    its.back()->SeekToFirst();
  }
  core::env::RangeSize running;
  std::optional<std::string> split_key;
  while (Iterator* it = Least(its)) {
    std::string_view origin = *OriginKey(it->key());
    if (!split_key.has_value() && origin > region.start_key &&
        (running.bytes >= options.region_split_size_bytes ||
         running.keys >= options.region_split_keys)) {
      split_key = std::string(origin);
    }
    running.bytes += it->key().size() + it->value().size();
    running.keys += 1;
    if (split_key.has_value() && OverSplitLimits(running, options)) {
      return split_key;
    }
    it->Next();
  }
  for (const auto& it : its) {
    if (!it->status().ok()) return it->status();
  }
  return std::nullopt;
}

raft_cmdpb::RaftCmdRequest BatchSplitCommand(
    const core::region::Region& region, const metapb::Peer& peer,
    const std::string& split_key, uint64_t new_region_id,
    const std::vector<uint64_t>& new_peer_ids) {
  return BatchSplitCommand(region, peer, std::vector<std::string>{split_key},
                           {SplitIds{new_region_id, new_peer_ids}});
}

raft_cmdpb::RaftCmdRequest BatchSplitCommand(
    const core::region::Region& region, const metapb::Peer& peer,
    const std::vector<std::string>& split_keys,
    const std::vector<SplitIds>& ids) {
  CHECK_EQ(split_keys.size(), ids.size());
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::RaftRequestHeader* header = cmd.mutable_header();
  header->set_region_id(region.id);
  *header->mutable_peer() = peer;
  *header->mutable_region_epoch() = core::region::ToMetapb(region.epoch);
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::BatchSplit);
  admin->mutable_splits()->set_right_derive(true);
  for (size_t i = 0; i < split_keys.size(); ++i) {
    raft_cmdpb::SplitRequest* split = admin->mutable_splits()->add_requests();
    split->set_split_key(split_keys[i]);
    split->set_new_region_id(ids[i].new_region_id);
    for (uint64_t id : ids[i].new_peer_ids) split->add_new_peer_ids(id);
  }
  return cmd;
}

}  // namespace store::raftstore
