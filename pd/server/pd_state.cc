#include "pd/server/pd_state.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/timestamp.h"
#include "core/region/metapb_convert.h"

namespace pd::server {
namespace {

namespace base = core::base;
using core::env::Cf;

// DO NOT CHANGE: persisted record keys (see the layout in pd_state.h).
constexpr std::string_view kClusterIdKey = "pd/cluster_id";
constexpr std::string_view kClusterKey = "pd/cluster";
constexpr std::string_view kStorePrefix = "pd/store/";
constexpr std::string_view kRegionPrefix = "pd/region/";
constexpr std::string_view kTsoBoundKey = "pd/tso_bound";
constexpr std::string_view kIdEndKey = "pd/id_end";
constexpr std::string_view kGcSafePointKey = "pd/gc_safe_point";
constexpr std::string_view kServicePrefix = "pd/service/";
constexpr std::string_view kEtcdRevisionKey = "pd/etcd_revision";
constexpr std::string_view kEtcdPrefix = "etcd/";
// Above every record key: the snapshot's delete-range end.
constexpr std::string_view kRecordsEnd = "\xff";

// The replicas a region gets; PD's max-replicas default.
constexpr uint32_t kMaxPeerCount = 3;

std::string Varint(uint64_t value) {
  std::string out;
  base::PutVarint64(&out, value);
  return out;
}

std::string IdKey(std::string_view prefix, uint64_t id) {
  std::string key(prefix);
  base::PutFixed64BigEndian(&key, id);
  return key;
}

std::string ServiceValue(const gc::ServiceSafePoint& service) {
  std::string out;
  base::PutVarint64(&out, service.safe_point.value());
  base::PutVarint64(&out, static_cast<uint64_t>(service.expire_at_ms));
  return out;
}

std::string EtcdRecordValue(const EtcdValue& value) {
  std::string out;
  base::PutVarint64(&out, static_cast<uint64_t>(value.create_revision));
  base::PutVarint64(&out, static_cast<uint64_t>(value.mod_revision));
  base::PutVarint64(&out, static_cast<uint64_t>(value.version));
  out += value.value;
  return out;
}

absl::Status Corrupt(std::string_view key, std::string_view what) {
  return absl::DataLossError("PD record " + base::EscapeBytes(key) + ": " +
                             std::string(what));
}

// A whole value that is exactly one varint.
absl::StatusOr<uint64_t> DecodeVarint(std::string_view key,
                                      std::string_view value) {
  uint64_t out = 0;
  if (!base::GetVarint64(&value, &out) || !value.empty()) {
    return Corrupt(key, "not a varint");
  }
  return out;
}

// The id after `prefix`: exactly eight big-endian bytes.
absl::StatusOr<uint64_t> DecodeIdKey(std::string_view key,
                                     std::string_view prefix) {
  std::string_view rest = key.substr(prefix.size());
  uint64_t id = 0;
  if (!base::GetFixed64BigEndian(&rest, &id) || !rest.empty()) {
    return Corrupt(key, "bad id in key");
  }
  return id;
}

absl::StatusOr<gc::ServiceSafePoint> DecodeService(std::string_view key,
                                                   std::string_view value) {
  gc::ServiceSafePoint service;
  service.service_id = std::string(key.substr(kServicePrefix.size()));
  uint64_t safe_point = 0, expire_at_ms = 0;
  if (service.service_id.empty() || !base::GetVarint64(&value, &safe_point) ||
      !base::GetVarint64(&value, &expire_at_ms) || !value.empty()) {
    return Corrupt(key, "bad service safe point");
  }
  service.safe_point = base::TimeStamp(safe_point);
  service.expire_at_ms = static_cast<int64_t>(expire_at_ms);
  return service;
}

absl::StatusOr<EtcdValue> DecodeEtcdValue(std::string_view key,
                                          std::string_view value) {
  uint64_t create = 0, mod = 0, version = 0;
  if (!base::GetVarint64(&value, &create) || !base::GetVarint64(&value, &mod) ||
      !base::GetVarint64(&value, &version)) {
    return Corrupt(key, "bad etcd record");
  }
  return EtcdValue{std::string(value), static_cast<int64_t>(create),
                   static_cast<int64_t>(mod), static_cast<int64_t>(version)};
}

CommandOutcome Refuse(pdpb::ErrorType type, std::string message) {
  CommandOutcome outcome;
  outcome.error = CommandError{type, std::move(message)};
  return outcome;
}

metapb::NodeState NodeStateOf(metapb::StoreState state) {
  switch (state) {
    case metapb::Offline:
      return metapb::Removing;
    case metapb::Tombstone:
      return metapb::Removed;
    default:
      return metapb::Serving;
  }
}

// The first persisted region that makes `region` stale, if any: the same id
// with a newer epoch, or an overlapping one with a higher version
// (Ref: PD RegionsInfo check of overlaps).
const metapb::Region* StaleAgainst(
    const core::region::Region& region,
    const std::map<uint64_t, metapb::Region>& regions) {
  for (const auto& [id, persisted] : regions) {
    const core::region::RegionEpoch epoch =
        core::region::FromMetapb(persisted.region_epoch());
    if (id == region.id) {
      if (region.epoch.IsStaleComparedTo(epoch)) return &persisted;
    } else if (core::region::RangesOverlap(region.start_key, region.end_key,
                                           persisted.start_key(),
                                           persisted.end_key()) &&
               epoch.version > region.epoch.version) {
      return &persisted;
    }
  }
  return nullptr;
}

}  // namespace

bool InEtcdRange(std::string_view candidate, std::string_view key,
                 std::string_view range_end) {
  if (range_end.empty()) return candidate == key;
  if (range_end == std::string_view("\0", 1)) return candidate >= key;
  return candidate >= key && candidate < range_end;
}

std::optional<CommandError> ValidateBootstrap(const metapb::Store& store,
                                              const metapb::Region& region) {
  if (store.id() == 0 || store.address().empty()) {
    return CommandError{pdpb::INVALID_VALUE,
                        "bootstrap: the store needs an id and an address"};
  }
  auto decoded = core::region::FromMetapb(region);
  if (!decoded.ok()) {
    return CommandError{pdpb::INVALID_VALUE,
                        "bootstrap: " + decoded.error().ToString()};
  }
  if (!decoded->start_key.empty() || !decoded->end_key.empty()) {
    return CommandError{pdpb::INVALID_VALUE,
                        "bootstrap: the first region must cover every key"};
  }
  if (decoded->FindPeerOnStore(store.id()) == nullptr) {
    return CommandError{pdpb::INVALID_VALUE,
                        "bootstrap: the first region has no peer on store " +
                            std::to_string(store.id())};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- records

absl::Status PdState::LoadRecord(std::string_view key, std::string_view value) {
  if (key == kClusterIdKey || key == kTsoBoundKey || key == kIdEndKey ||
      key == kGcSafePointKey || key == kEtcdRevisionKey) {
    auto number = DecodeVarint(key, value);
    if (!number.ok()) return number.status();
    if (key == kClusterIdKey) cluster_id_ = *number;
    if (key == kTsoBoundKey) tso_bound_ms_ = static_cast<int64_t>(*number);
    if (key == kIdEndKey) id_end_ = *number;
    if (key == kGcSafePointKey) gc_safe_point_ = *number;
    if (key == kEtcdRevisionKey) {
      etcd_revision_ = static_cast<int64_t>(*number);
    }
  } else if (key == kClusterKey) {
    metapb::Cluster cluster;
    if (!cluster.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return Corrupt(key, "bad metapb.Cluster");
    }
    cluster_ = std::move(cluster);
  } else if (key.starts_with(kStorePrefix)) {
    auto id = DecodeIdKey(key, kStorePrefix);
    metapb::Store store;
    if (!id.ok()) return id.status();
    if (!store.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        store.id() != *id) {
      return Corrupt(key, "bad metapb.Store");
    }
    stores_[*id] = std::move(store);
  } else if (key.starts_with(kRegionPrefix)) {
    auto id = DecodeIdKey(key, kRegionPrefix);
    metapb::Region region;
    if (!id.ok()) return id.status();
    if (!region.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        region.id() != *id) {
      return Corrupt(key, "bad metapb.Region");
    }
    regions_[*id] = std::move(region);
  } else if (key.starts_with(kServicePrefix)) {
    auto service = DecodeService(key, value);
    if (!service.ok()) return service.status();
    services_[service->service_id] = *std::move(service);
  } else if (key.starts_with(kEtcdPrefix)) {
    auto etcd = DecodeEtcdValue(key, value);
    if (!etcd.ok()) return etcd.status();
    etcd_[std::string(key.substr(kEtcdPrefix.size()))] = *std::move(etcd);
  } else {
    return Corrupt(key, "unknown record");
  }
  return absl::OkStatus();
}

void PdState::UnloadRecord(std::string_view key) {
  if (key.starts_with(kStorePrefix)) {
    stores_.erase(DecodeIdKey(key, kStorePrefix).value());
  } else if (key.starts_with(kRegionPrefix)) {
    regions_.erase(DecodeIdKey(key, kRegionPrefix).value());
  } else if (key.starts_with(kServicePrefix)) {
    services_.erase(std::string(key.substr(kServicePrefix.size())));
  } else if (key.starts_with(kEtcdPrefix)) {
    etcd_.erase(std::string(key.substr(kEtcdPrefix.size())));
  } else {
    // The singletons are only ever overwritten.
    CHECK(false) << "PD record " << base::EscapeBytes(key)
                 << " cannot be deleted";
  }
}

void PdState::Put(std::string key, std::string value,
                  core::env::WriteBatch* batch) {
  absl::Status loaded = LoadRecord(key, value);
  CHECK(loaded.ok()) << "PD wrote a record it cannot read: " << loaded;
  batch->Put(Cf::kDefault, key, value);
}

void PdState::Delete(std::string key, core::env::WriteBatch* batch) {
  UnloadRecord(key);
  batch->Delete(Cf::kDefault, key);
}

std::map<std::string, std::string> PdState::Records() const {
  std::map<std::string, std::string> records;
  if (cluster_id_ != 0)
    records[std::string(kClusterIdKey)] = Varint(cluster_id_);
  if (cluster_)
    records[std::string(kClusterKey)] = cluster_->SerializeAsString();
  for (const auto& [id, store] : stores_) {
    records[IdKey(kStorePrefix, id)] = store.SerializeAsString();
  }
  for (const auto& [id, region] : regions_) {
    records[IdKey(kRegionPrefix, id)] = region.SerializeAsString();
  }
  if (tso_bound_ms_ != 0) {
    records[std::string(kTsoBoundKey)] =
        Varint(static_cast<uint64_t>(tso_bound_ms_));
  }
  if (id_end_ != 0) records[std::string(kIdEndKey)] = Varint(id_end_);
  if (gc_safe_point_ != 0) {
    records[std::string(kGcSafePointKey)] = Varint(gc_safe_point_);
  }
  for (const auto& [id, service] : services_) {
    records[std::string(kServicePrefix) + id] = ServiceValue(service);
  }
  if (etcd_revision_ != 0) {
    records[std::string(kEtcdRevisionKey)] =
        Varint(static_cast<uint64_t>(etcd_revision_));
  }
  for (const auto& [key, value] : etcd_) {
    records[std::string(kEtcdPrefix) + key] = EtcdRecordValue(value);
  }
  return records;
}

std::string PdState::SnapshotData() const {
  std::string out;
  for (const auto& [key, value] : Records()) {
    base::PutLengthPrefixed(&out, key);
    base::PutLengthPrefixed(&out, value);
  }
  return out;
}

absl::StatusOr<PdState> PdState::FromSnapshotData(std::string_view data) {
  PdState state;
  while (!data.empty()) {
    std::string_view key, value;
    if (!base::GetLengthPrefixed(&data, &key) ||
        !base::GetLengthPrefixed(&data, &value)) {
      return absl::DataLossError("PD snapshot data is truncated");
    }
    absl::Status loaded = state.LoadRecord(key, value);
    if (!loaded.ok()) return loaded;
  }
  return state;
}

absl::StatusOr<PdState> PdState::Load(core::env::Engine& engine) {
  PdState state;
  auto it = engine.NewSnapshot()->NewIterator(Cf::kDefault, {});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::Status loaded = state.LoadRecord(it->key(), it->value());
    if (!loaded.ok()) return loaded;
  }
  if (!it->status().ok()) return it->status();
  return state;
}

void PdState::ClearRecords(core::env::WriteBatch* batch) {
  batch->DeleteRange(Cf::kDefault, "", kRecordsEnd);
}

// ---------------------------------------------------------------- queries

const metapb::Store* PdState::FindStore(uint64_t store_id) const {
  auto it = stores_.find(store_id);
  return it == stores_.end() ? nullptr : &it->second;
}

gc::SafePointManager PdState::SafePoints() const {
  return gc::SafePointManager::Restore(base::TimeStamp(gc_safe_point_),
                                       services_);
}

std::vector<EtcdEntry> PdState::EtcdRange(std::string_view key,
                                          std::string_view range_end,
                                          size_t limit) const {
  std::vector<EtcdEntry> out;
  for (auto it = etcd_.lower_bound(std::string(key)); it != etcd_.end(); ++it) {
    if (!InEtcdRange(it->first, key, range_end)) break;
    if (limit > 0 && out.size() >= limit) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

size_t PdState::EtcdCount(std::string_view key,
                          std::string_view range_end) const {
  size_t count = 0;
  for (auto it = etcd_.lower_bound(std::string(key));
       it != etcd_.end() && InEtcdRange(it->first, key, range_end); ++it) {
    ++count;
  }
  return count;
}

// ---------------------------------------------------------------- Apply

struct PdState::Visitor {
  PdState& s;
  core::env::WriteBatch* batch;

  CommandOutcome operator()(const SetClusterId& c) {
    if (c.cluster_id == 0) return Refuse(pdpb::INVALID_VALUE, "cluster id 0");
    // The first id wins: a later leader's proposal (it had not applied the
    // first yet) changes nothing.
    if (s.cluster_id_ == 0) {
      s.Put(std::string(kClusterIdKey), Varint(c.cluster_id), batch);
    }
    return {};
  }

  CommandOutcome operator()(const BootstrapCluster& c) {
    if (s.cluster_id_ == 0) {
      return Refuse(pdpb::UNKNOWN, "bootstrap before the cluster id is set");
    }
    if (s.bootstrapped()) {
      return Refuse(pdpb::ALREADY_BOOTSTRAPPED,
                    "cluster " + std::to_string(s.cluster_id_) +
                        " is already bootstrapped");
    }
    if (auto invalid = ValidateBootstrap(c.store, c.region)) {
      return Refuse(invalid->type, invalid->message);
    }
    metapb::Cluster cluster;
    cluster.set_id(s.cluster_id_);
    cluster.set_max_peer_count(kMaxPeerCount);
    metapb::Store store = c.store;
    store.set_state(metapb::Up);
    store.set_node_state(metapb::Serving);
    s.Put(std::string(kClusterKey), cluster.SerializeAsString(), batch);
    s.Put(IdKey(kStorePrefix, store.id()), store.SerializeAsString(), batch);
    s.Put(IdKey(kRegionPrefix, c.region.id()), c.region.SerializeAsString(),
          batch);
    return {};
  }

  CommandOutcome operator()(const PutStore& c) {
    if (!s.bootstrapped()) return NotBootstrapped();
    if (c.store.id() == 0 || c.store.address().empty()) {
      return Refuse(pdpb::INVALID_VALUE, "a store needs an id and an address");
    }
    const metapb::Store* existing = s.FindStore(c.store.id());
    if (existing != nullptr && existing->state() == metapb::Tombstone) {
      return Refuse(pdpb::STORE_TOMBSTONE,
                    "store " + std::to_string(c.store.id()) + " is removed");
    }
    for (const auto& [id, other] : s.stores_) {
      if (id != c.store.id() && other.state() != metapb::Tombstone &&
          other.address() == c.store.address()) {
        return Refuse(pdpb::UNKNOWN, "duplicated store address " +
                                         c.store.address() +
                                         ", already registered by store " +
                                         std::to_string(id));
      }
    }
    metapb::Store store = c.store;
    const metapb::StoreState state =
        existing != nullptr ? existing->state() : metapb::Up;
    store.set_state(state);
    store.set_node_state(NodeStateOf(state));
    s.Put(IdKey(kStorePrefix, store.id()), store.SerializeAsString(), batch);
    return {};
  }

  CommandOutcome operator()(const SetStoreState& c) {
    const metapb::Store* existing = s.FindStore(c.store_id);
    if (existing == nullptr) {
      return Refuse(pdpb::UNKNOWN,
                    "store " + std::to_string(c.store_id) + " not found");
    }
    if (existing->state() == metapb::Tombstone) {
      return Refuse(pdpb::STORE_TOMBSTONE,
                    "store " + std::to_string(c.store_id) + " is removed");
    }
    metapb::Store store = *existing;
    store.set_state(c.state);
    store.set_node_state(NodeStateOf(c.state));
    s.Put(IdKey(kStorePrefix, store.id()), store.SerializeAsString(), batch);
    return {};
  }

  CommandOutcome operator()(const PutRegion& c) {
    if (!s.bootstrapped()) return NotBootstrapped();
    auto region = core::region::FromMetapb(c.region);
    if (!region.ok()) {
      return Refuse(pdpb::INVALID_VALUE, region.error().ToString());
    }
    if (const metapb::Region* newer = StaleAgainst(*region, s.regions_)) {
      return Refuse(pdpb::UNKNOWN, "region " + std::to_string(region->id) +
                                       " is stale against region " +
                                       std::to_string(newer->id()));
    }
    std::vector<uint64_t> overlapped;
    for (const auto& [id, persisted] : s.regions_) {
      if (id != region->id && core::region::RangesOverlap(
                                  region->start_key, region->end_key,
                                  persisted.start_key(), persisted.end_key())) {
        overlapped.push_back(id);
      }
    }
    for (uint64_t id : overlapped) s.Delete(IdKey(kRegionPrefix, id), batch);
    s.Put(IdKey(kRegionPrefix, region->id), c.region.SerializeAsString(),
          batch);
    return {};
  }

  CommandOutcome operator()(const SaveTsoBound& c) {
    if (c.bound_ms < 0) return Refuse(pdpb::INVALID_VALUE, "negative bound");
    if (c.bound_ms > s.tso_bound_ms_) {
      s.Put(std::string(kTsoBoundKey),
            Varint(static_cast<uint64_t>(c.bound_ms)), batch);
    }
    return {};
  }

  CommandOutcome operator()(const SaveIdEnd& c) {
    if (c.end > s.id_end_) s.Put(std::string(kIdEndKey), Varint(c.end), batch);
    return {};
  }

  CommandOutcome operator()(const UpdateGcSafePoint& c) {
    gc::SafePointManager manager = s.SafePoints();
    auto update =
        manager.UpdateGcSafePoint(base::TimeStamp(c.safe_point), c.now_ms);
    CommandOutcome outcome;
    // Ref: PD UpdateGCSafePoint: a lower safe point is not an error; the
    // answer is the one in force.
    if (!update.ok()) {
      outcome.safe_point = s.gc_safe_point_;
      return outcome;
    }
    s.PutSafePoints(manager, batch);
    outcome.safe_point = update->gc_safe_point.value();
    return outcome;
  }

  CommandOutcome operator()(const UpdateServiceSafePoint& c) {
    gc::SafePointManager manager = s.SafePoints();
    auto min = manager.UpdateServiceSafePoint(
        c.service_id, base::TimeStamp(c.safe_point), c.ttl_seconds, c.now_ms);
    if (!min.ok()) {
      const bool too_old =
          std::holds_alternative<gc::ServiceSafePointTooOld>(min.error());
      return Refuse(too_old ? pdpb::UNKNOWN : pdpb::INVALID_VALUE,
                    core::region::ErrorToString(min.error()));
    }
    s.PutSafePoints(manager, batch);
    CommandOutcome outcome;
    outcome.safe_point = min->value();
    if (auto service = manager.MinServiceSafePoint(c.now_ms)) {
      outcome.service_id = service->service_id;
    }
    return outcome;
  }

  CommandOutcome operator()(const EtcdPut& c) {
    if (c.key.empty()) return Refuse(pdpb::INVALID_VALUE, "empty etcd key");
    CommandOutcome outcome;
    const int64_t revision = s.etcd_revision_ + 1;
    EtcdValue value{c.value, revision, revision, 1};
    if (auto it = s.etcd_.find(c.key); it != s.etcd_.end()) {
      outcome.previous.emplace_back(it->first, it->second);
      value.create_revision = it->second.create_revision;
      value.version = it->second.version + 1;
    }
    s.Put(std::string(kEtcdRevisionKey),
          Varint(static_cast<uint64_t>(revision)), batch);
    s.Put(std::string(kEtcdPrefix) + c.key, EtcdRecordValue(value), batch);
    outcome.revision = revision;
    return outcome;
  }

  CommandOutcome operator()(const EtcdDeleteRange& c) {
    CommandOutcome outcome;
    outcome.previous = s.EtcdRange(c.key, c.range_end, 0);
    outcome.deleted = static_cast<int64_t>(outcome.previous.size());
    // Ref: etcd: a delete that removes nothing leaves the revision alone.
    if (outcome.previous.empty()) {
      outcome.revision = s.etcd_revision_;
      return outcome;
    }
    const int64_t revision = s.etcd_revision_ + 1;
    for (const auto& [key, value] : outcome.previous) {
      s.Delete(std::string(kEtcdPrefix) + key, batch);
    }
    s.Put(std::string(kEtcdRevisionKey),
          Varint(static_cast<uint64_t>(revision)), batch);
    outcome.revision = revision;
    return outcome;
  }

  CommandOutcome NotBootstrapped() const {
    return Refuse(
        pdpb::NOT_BOOTSTRAPPED,
        "cluster " + std::to_string(s.cluster_id_) + " is not bootstrapped");
  }
};

void PdState::PutSafePoints(const gc::SafePointManager& manager,
                            core::env::WriteBatch* batch) {
  if (manager.gc_safe_point().value() != gc_safe_point_) {
    Put(std::string(kGcSafePointKey), Varint(manager.gc_safe_point().value()),
        batch);
  }
  std::vector<std::string> gone;
  for (const auto& [id, service] : services_) {
    if (manager.services().count(id) == 0) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    Delete(std::string(kServicePrefix) + id, batch);
  }
  for (const auto& [id, service] : manager.services()) {
    Put(std::string(kServicePrefix) + id, ServiceValue(service), batch);
  }
}

CommandOutcome PdState::Apply(const CommandBody& body,
                              core::env::WriteBatch* batch) {
  CHECK(batch != nullptr);
  return std::visit(Visitor{*this, batch}, body);
}

}  // namespace pd::server
