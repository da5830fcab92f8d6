// PdState: PD's replicated state, what TiKV's PD keeps in its embedded etcd:
// the cluster id, the cluster meta written by bootstrap, stores, region
// metadata, the TSO window's saved upper bound, the end of the ID window,
// the GC safe point and the service safe points, and the etcd key space
// clients read and write on the PD port.
//
// Every member applies the same commands (command.h) in log order, so their
// states agree. Apply is deterministic: time comes inside the command, and
// every container is ordered.
//
// Records. The state is exactly the decoding of its records: Apply writes a
// command's effects as record puts and deletes into the Raft peer's batch
// and loads the same records into memory, so the engine (after the batch),
// SnapshotData and the in-memory state always agree, and Load rebuilds the
// state a crash left from the engine alone.
//
// Layout in Cf::kDefault (DO NOT CHANGE: persisted; integers are LEB128
// varints, signed ones cast to uint64; messages are protobuf bytes):
//   "pd/cluster_id"               cluster_id
//   "pd/cluster"                  metapb.Cluster (present once bootstrapped)
//   "pd/store/" BE64(id)          metapb.Store
//   "pd/region/" BE64(id)         metapb.Region
//   "pd/tso_bound"                bound_ms
//   "pd/id_end"                   end
//   "pd/gc_safe_point"            safe_point
//   "pd/service/" service_id      safe_point | expire_at_ms
//   "pd/etcd_revision"            revision
//   "etcd/" key                   create_revision | mod_revision | version |
//                                 value (the rest)
// Snapshot data: every record, as length-prefixed key and value pairs in
// key order.
//
// Thread-affinity: none (a value type); the member uses it on its executor.
#ifndef PD_SERVER_PD_STATE_H_
#define PD_SERVER_PD_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "pd/core/gc/safe_point.h"
#include "pd/server/command.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace pd::server {

// One etcd key's value and revisions (Ref: mvccpb.KeyValue).
struct EtcdValue {
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  bool operator==(const EtcdValue&) const = default;
};
using EtcdEntry = std::pair<std::string, EtcdValue>;

// A command refused by the state (the proposer answers with it).
struct CommandError {
  pdpb::ErrorType type = pdpb::UNKNOWN;
  std::string message;
};

// What applying a command produced, for the member that proposed it.
struct CommandOutcome {
  std::optional<CommandError> error;
  // UpdateGcSafePoint: the GC safe point now in force.
  // UpdateServiceSafePoint: the minimum live service safe point, or the GC
  // safe point when no service is left; `service_id` names its service.
  uint64_t safe_point = 0;
  std::string service_id;
  // etcd commands: the revision after the command, the keys' previous
  // values, and how many keys a delete removed.
  int64_t revision = 0;
  std::vector<EtcdEntry> previous;
  int64_t deleted = 0;
};

// etcd's range convention: an empty `range_end` means the key alone, "\0"
// every key from `key` on, anything else [key, range_end).
bool InEtcdRange(std::string_view candidate, std::string_view key,
                 std::string_view range_end);

// A bootstrap request that can be applied (deterministic, so the service
// checks it before proposing and Apply checks it again).
std::optional<CommandError> ValidateBootstrap(const metapb::Store& store,
                                              const metapb::Region& region);

class PdState {
 public:
  // The state a member's engine holds (an empty engine: the empty state).
  // kDataLoss when a record does not decode.
  static absl::StatusOr<PdState> Load(core::env::Engine& engine);
  static absl::StatusOr<PdState> FromSnapshotData(std::string_view data);

  // Every record, by key; what the engine holds after the batches Apply
  // wrote, and what SnapshotData carries.
  std::map<std::string, std::string> Records() const;
  std::string SnapshotData() const;
  // Adds the deletion of every record to `batch` (before a snapshot's
  // records replace them).
  static void ClearRecords(core::env::WriteBatch* batch);

  // Applies `body`: changes this state and adds the same changes, as
  // records, to `batch`. A refused command changes nothing.
  CommandOutcome Apply(const CommandBody& body, core::env::WriteBatch* batch);

  // 0 until the first leader's SetClusterId is applied.
  uint64_t cluster_id() const { return cluster_id_; }
  bool bootstrapped() const { return cluster_.has_value(); }
  const std::optional<metapb::Cluster>& cluster() const { return cluster_; }
  const std::map<uint64_t, metapb::Store>& stores() const { return stores_; }
  const metapb::Store* FindStore(uint64_t store_id) const;
  const std::map<uint64_t, metapb::Region>& regions() const { return regions_; }
  int64_t tso_bound_ms() const { return tso_bound_ms_; }
  uint64_t id_end() const { return id_end_; }
  // The safe points as the pure manager computes with them.
  gc::SafePointManager SafePoints() const;
  uint64_t gc_safe_point() const { return gc_safe_point_; }
  const std::map<std::string, EtcdValue>& etcd() const { return etcd_; }
  int64_t etcd_revision() const { return etcd_revision_; }

  // The etcd keys in the range (InEtcdRange), ascending; at most `limit`
  // of them when limit > 0.
  std::vector<EtcdEntry> EtcdRange(std::string_view key,
                                   std::string_view range_end,
                                   size_t limit) const;
  size_t EtcdCount(std::string_view key, std::string_view range_end) const;

 private:
  struct Visitor;  // pd_state.cc: one Apply per command

  // Loads one record into memory (Load, FromSnapshotData, and every write).
  absl::Status LoadRecord(std::string_view key, std::string_view value);
  void UnloadRecord(std::string_view key);
  // A record write: into `batch` and into this state.
  void Put(std::string key, std::string value, core::env::WriteBatch* batch);
  void Delete(std::string key, core::env::WriteBatch* batch);
  void PutSafePoints(const gc::SafePointManager& manager,
                     core::env::WriteBatch* batch);

  uint64_t cluster_id_ = 0;
  std::optional<metapb::Cluster> cluster_;
  std::map<uint64_t, metapb::Store> stores_;
  std::map<uint64_t, metapb::Region> regions_;
  int64_t tso_bound_ms_ = 0;
  uint64_t id_end_ = 0;
  uint64_t gc_safe_point_ = 0;
  std::map<std::string, gc::ServiceSafePoint> services_;
  std::map<std::string, EtcdValue> etcd_;
  int64_t etcd_revision_ = 0;
};

}  // namespace pd::server

#endif  // PD_SERVER_PD_STATE_H_
