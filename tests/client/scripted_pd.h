// ScriptedPd: PD as a script for the region cache's unit tests and the raw
// client benchmark (client/locate's RegionSource): its regions (with
// leaders), stores, and errors to answer first. Not a PD: acceptance runs
// use the real one (raw_cluster.h).
#ifndef TESTS_CLIENT_SCRIPTED_PD_H_
#define TESTS_CLIENT_SCRIPTED_PD_H_

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/locate/region_source.h"
#include "core/base/status_macros.h"

namespace client::locate::testing {

inline metapb::Region MakeRegion(uint64_t id, std::string start,
                                 std::string end, uint64_t version,
                                 std::vector<uint64_t> stores) {
  metapb::Region region;
  region.set_id(id);
  region.set_start_key(start);
  region.set_end_key(end);
  region.mutable_region_epoch()->set_version(version);
  region.mutable_region_epoch()->set_conf_ver(1);
  for (uint64_t store : stores) {
    metapb::Peer* peer = region.add_peers();
    peer->set_id(id * 100 + store);
    peer->set_store_id(store);
  }
  return region;
}

class ScriptedPd final : public RegionSource {
 public:
  void SetRegion(const metapb::Region& region, uint64_t leader_store) {
    pdpb::Region& entry = regions[region.start_key()];
    *entry.mutable_region() = region;
    for (const auto& peer : region.peers()) {
      if (peer.store_id() == leader_store) *entry.mutable_leader() = peer;
    }
  }
  absl::StatusOr<pdpb::GetRegionResponse> GetRegion(
      std::string_view key) override {
    ++get_region_calls;
    RETURN_IF_ERROR(NextError());
    pdpb::GetRegionResponse response;
    for (const auto& [start, region] : regions) {
      const auto& meta = region.region();
      if (meta.start_key() <= key &&
          (meta.end_key().empty() || key < meta.end_key())) {
        *response.mutable_region() = meta;
        *response.mutable_leader() = region.leader();
      }
    }
    return response;
  }
  absl::StatusOr<pdpb::GetRegionResponse> GetPrevRegion(
      std::string_view key) override {
    ++get_prev_region_calls;
    RETURN_IF_ERROR(NextError());
    pdpb::GetRegionResponse response;
    for (const auto& [start, region] : regions) {
      if (region.region().end_key() == key) {
        *response.mutable_region() = region.region();
        *response.mutable_leader() = region.leader();
      }
    }
    return response;
  }
  absl::StatusOr<pdpb::ScanRegionsResponse> ScanRegions(
      std::string_view start_key, std::string_view end_key,
      int32_t limit) override {
    ++scan_regions_calls;
    RETURN_IF_ERROR(NextError());
    pdpb::ScanRegionsResponse response;
    for (const auto& [start, region] : regions) {
      const auto& meta = region.region();
      const bool after = meta.end_key().empty() || meta.end_key() > start_key;
      const bool before = end_key.empty() || meta.start_key() < end_key;
      if (after && before && (limit == 0 || response.regions_size() < limit)) {
        *response.add_regions() = region;
      }
    }
    return response;
  }
  absl::StatusOr<metapb::Store> GetStore(uint64_t store_id) override {
    ++get_store_calls[store_id];
    RETURN_IF_ERROR(NextError());
    auto it = stores.find(store_id);
    if (it == stores.end()) return absl::NotFoundError("no such store");
    return it->second;
  }
  void AddStore(uint64_t id, metapb::StoreState state = metapb::Up) {
    stores[id].set_id(id);
    stores[id].set_address("tikv" + std::to_string(id) + ":20160");
    stores[id].set_state(state);
  }

  std::map<std::string, pdpb::Region> regions;
  std::map<uint64_t, metapb::Store> stores;
  std::deque<absl::Status> errors;
  int get_region_calls = 0;
  int get_prev_region_calls = 0;
  int scan_regions_calls = 0;
  std::map<uint64_t, int> get_store_calls;

 private:
  absl::Status NextError() {
    if (errors.empty()) return absl::OkStatus();
    absl::Status error = errors.front();
    errors.pop_front();
    return error;
  }
};

}  // namespace client::locate::testing

#endif  // TESTS_CLIENT_SCRIPTED_PD_H_
