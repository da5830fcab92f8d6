// Snapshot: reads at one start_ts (client-go txnkv/txnsnapshot): Get,
// BatchGet and Scan of committed data, every lock met handed to the
// LockResolver (as a reader: caller_start_ts = start_ts), then the read
// is sent again:
//   * a lock whose txn is decided is resolved; read again at once;
//   * a live lock whose min_commit_ts the store pushed past start_ts is
//     remembered (Context.resolved_locks: the store reads past it);
//   * otherwise back off kBoTxnLockFast and read again.
// Region errors back off kBoRegionMiss and locate again (BatchGet regroups
// its keys). BatchGet sends one request per region, all at once (a fibre
// each); Scan walks the regions in order.
//
// Thread-affinity: one fibre at a time (BatchGet spawns its own).
#ifndef CLIENT_TXNKV_SNAPSHOT_H_
#define CLIENT_TXNKV_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "client/txnkv/lock_resolver.h"
#include "core/env/executor.h"
#include "proto/kvrpcpb.pb.h"

namespace client::txnkv {

struct KvPair {
  std::string key;
  std::string value;
  friend bool operator==(const KvPair&, const KvPair&) = default;
};

class Snapshot {
 public:
  Snapshot(core::env::Executor& executor, locate::RegionRequestSender& sender,
           LockResolver& resolver, uint64_t start_ts)
      : executor_(executor),
        sender_(sender),
        resolver_(resolver),
        start_ts_(start_ts) {}

  uint64_t start_ts() const { return start_ts_; }
  absl::StatusOr<std::optional<std::string>> Get(retry::Backoffer& bo,
                                                 const std::string& key);
  // The keys found, with their values.
  absl::StatusOr<std::map<std::string, std::string>> BatchGet(
      retry::Backoffer& bo, const std::vector<std::string>& keys);
  // Pairs of [start_key, end_key) (empty end: to the end), at most `limit`.
  absl::StatusOr<std::vector<KvPair>> Scan(retry::Backoffer& bo,
                                           const std::string& start_key,
                                           const std::string& end_key,
                                           uint32_t limit);

 private:
  // Resolves `locks` met by a read, backing off while one lives.
  absl::Status OnLocks(retry::Backoffer& bo, const std::vector<Lock>& locks);
  void FillContext(kvrpcpb::Context* context) const;
  // One KvScan from `key` to the end of its region (or `end_key`), pairs
  // appended to `out`; the key to scan on from (a region error: `key`; a
  // lock, resolved: that key; else the region's end), nullopt when done.
  absl::StatusOr<std::optional<std::string>> ScanRegion(
      retry::Backoffer& bo, const std::string& key, const std::string& end_key,
      uint32_t limit, std::vector<KvPair>& out);

  core::env::Executor& executor_;
  locate::RegionRequestSender& sender_;
  LockResolver& resolver_;
  uint64_t start_ts_;
  std::set<uint64_t> resolved_locks_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_SNAPSHOT_H_
