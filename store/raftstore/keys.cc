#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

constexpr char kLocalPrefix = 0x01;
constexpr char kStoreIdentSuffix = 0x01;
constexpr char kPrepareBootstrapSuffix = 0x02;
constexpr char kRegionMetaPrefix = 0x03;
constexpr char kRegionStateSuffix = 0x01;
constexpr char kDataPrefix = 'z';

std::string RegionMetaPrefix() { return {kLocalPrefix, kRegionMetaPrefix}; }

}  // namespace

std::string StoreIdentKey() { return {kLocalPrefix, kStoreIdentSuffix}; }

std::string PrepareBootstrapKey() {
  return {kLocalPrefix, kPrepareBootstrapSuffix};
}

std::string RegionStateKey(RegionId region_id) {
  std::string key = RegionMetaPrefix();
  core::base::PutFixed64BigEndian(&key, region_id);
  key.push_back(kRegionStateSuffix);
  return key;
}

std::string RegionMetaMinKey() { return RegionMetaPrefix(); }

std::string RegionMetaMaxKey() {
  return core::base::PrefixSuccessor(RegionMetaPrefix());
}

std::optional<RegionId> DecodeRegionStateKey(std::string_view key) {
  const std::string prefix = RegionMetaPrefix();
  if (key.size() != prefix.size() + 9 ||
      key.substr(0, prefix.size()) != prefix ||
      key.back() != kRegionStateSuffix) {
    return std::nullopt;
  }
  key.remove_prefix(prefix.size());
  uint64_t region_id = 0;
  if (!core::base::GetFixed64BigEndian(&key, &region_id)) return std::nullopt;
  return region_id;
}

std::string DataKey(core::base::BytesView key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(kDataPrefix);
  out.append(key);
  return out;
}

std::string DataEndKey(core::base::BytesView end_key) {
  if (end_key.empty()) return std::string(1, kDataPrefix + 1);
  return DataKey(end_key);
}

std::optional<std::string_view> OriginKey(std::string_view data_key) {
  if (data_key.empty() || data_key[0] != kDataPrefix) return std::nullopt;
  return data_key.substr(1);
}

std::optional<core::env::Cf> DataCfFromName(std::string_view name) {
  if (name.empty() || name == "default") return core::env::Cf::kDefault;
  if (name == "lock") return core::env::Cf::kLock;
  if (name == "write") return core::env::Cf::kWrite;
  return std::nullopt;
}

}  // namespace store::raftstore
