// PdWorker: a store's conversation with PD once it runs (Ref: TiKV
// components/raftstore/src/store/worker/pd.rs and the heartbeat stream of
// components/pd_client; PD server/grpc_service.go, cluster_worker.go).
//
// Fibres (all on the store's executor):
//   store-heartbeat   every store_heartbeat_interval (TiKV
//                     pd-store-heartbeat-tick-interval, 10 s): StoreStats
//                     with capacity, available, used size, region count,
//                     start time, the interval; a unary StoreHeartbeat.
//                     Then GetAllStores: each store's Raft address
//                     (peer_address, else address) goes to the raftstore
//                     (Store::SetStoreAddress; TiKV's resolve.rs).
//   region-heartbeat  every region_check_interval, looks at every region
//                     this store leads and sends a RegionHeartbeat for each
//                     one whose leader, epoch or peers changed since its
//                     last heartbeat (a new leader, a split, a conf change),
//                     and for each not heartbeated for
//                     region_heartbeat_interval (TiKV
//                     pd-heartbeat-tick-interval, 60 s). The heartbeat
//                     carries the region, its leader, down peers (followers
//                     not recently active for max_peer_down_duration) with
//                     their down seconds, pending peers (followers waiting
//                     for a snapshot), the approximate size and keys, the
//                     term and the interval. ONE RegionHeartbeat stream per
//                     store, to PD's leader; a broken stream, a "not
//                     leader" answer or a PD leader change opens a new one
//                     (after reconnect_backoff), and every region is
//                     heartbeated again on it.
//   heartbeat-reader  one per stream: executes what the responses carry,
//                     through the store's admin paths with the response's
//                     region epoch (the store refuses a stale one):
//                     TransferLeader, ChangePeer, ChangePeerV2, and
//                     SplitRegion (split keys given, or the region's middle
//                     by size: ids from the IdSource's AskBatchSplit, on a
//                     fibre of its own), and Merge (PrepareMerge on the
//                     source with PD's target; the raftstore commits or
//                     rolls it back).
//
// Metrics: tikv_pd_heartbeat_message_total{type} (store, region, and each
// operator kind received), tikv_pd_request_duration_seconds{type} for
// store heartbeats.
//
// Thread-affinity: the store's executor. The store, PdClient, IdSource and
// Metrics must outlive the worker's fibres; Close ends them (each at its
// next wake-up), as the simulator's crash does.
#ifndef STORE_PD_WORKER_PD_WORKER_H_
#define STORE_PD_WORKER_PD_WORKER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "core/env/env.h"
#include "core/region/region.h"
#include "proto/pdpb.pb.h"
#include "store/metrics/metrics.h"
#include "store/raftstore/id_source.h"
#include "store/raftstore/store.h"

namespace store::pd_worker {

struct PdWorkerOptions {
  // TiKV pd-store-heartbeat-tick-interval.
  core::base::Duration store_heartbeat_interval =
      core::base::Duration::Seconds(10);
  // TiKV pd-heartbeat-tick-interval: each led region at least this often.
  core::base::Duration region_heartbeat_interval =
      core::base::Duration::Seconds(60);
  // How often led regions are looked at for changes to report at once.
  core::base::Duration region_check_interval = core::base::Duration::Seconds(1);
  // TiKV max-peer-down-duration: a follower inactive this long is down.
  core::base::Duration max_peer_down_duration =
      core::base::Duration::Seconds(600);
  // Before a new stream after one broke.
  core::base::Duration reconnect_backoff =
      core::base::Duration::Milliseconds(500);
  // Each PD call's deadline.
  core::base::Duration rpc_timeout = core::base::Duration::Seconds(10);
  // The capacity reported (TiKV's `capacity`; the engine does not know its
  // disk): available = capacity - used.
  uint64_t capacity_bytes = uint64_t{1} << 40;
};

struct PdWorkerStats {
  uint64_t store_heartbeats = 0;
  uint64_t store_heartbeat_errors = 0;
  uint64_t region_heartbeats = 0;
  uint64_t streams_opened = 0;
  // Responses carrying an operator step, and those executed (proposed to
  // a peer that leads here) or dropped (no such leader here).
  uint64_t operators_received = 0;
  uint64_t operators_executed = 0;
  uint64_t operators_dropped = 0;
  // Proposed operator commands the store refused (epoch, not leader...).
  uint64_t operators_refused = 0;
  // Header errors in heartbeat responses (stale heartbeat, not leader).
  uint64_t heartbeat_errors = 0;
  // Regions this store led at the last look.
  uint64_t leader_count = 0;
};

class PdWorker {
 public:
  PdWorker(core::env::Env env, client::pd::PdClient& pd,
           raftstore::Store& store, raftstore::IdSource& ids,
           metrics::Metrics& metrics, const PdWorkerOptions& options);
  ~PdWorker();
  PdWorker(const PdWorker&) = delete;
  PdWorker& operator=(const PdWorker&) = delete;

  // Spawns the fibres.
  void Start();
  void Close();

  const PdWorkerStats& stats() const { return stats_; }

  // The heartbeat the worker would send for `region_id` now; nullopt when
  // this store does not lead it.
  std::optional<pdpb::RegionHeartbeatRequest> RegionHeartbeatFor(
      uint64_t region_id);

 private:
  struct Stream;
  // What the last heartbeat of a led region said.
  struct Sent {
    core::region::Region region;
    uint64_t leader_peer_id = 0;
    core::base::Instant at;
  };

  void StoreHeartbeatLoop();
  void SendStoreHeartbeat(core::base::Instant started,
                          core::base::Instant previous);
  // Every store PD knows gets its Raft address (peer_address, else
  // address) in the store's routing table.
  void ResolveStores();
  // ResolveStores again when the raftstore dropped messages for want of an
  // address since the last look: a store that joined after our last store
  // heartbeat is otherwise unreachable for up to store_heartbeat_interval
  // (a new peer there never answered, so a conf change needing its vote
  // waited ~10 s). Ref: TiKV resolve.rs asks PD for an unknown store.
  void ResolveIfAddressesMissing();
  void RegionHeartbeatLoop();
  void CheckRegions();
  // Whether `region_id` (led by `peer`) needs a heartbeat now.
  bool Due(uint64_t region_id, const raftstore::PeerFsm& peer,
           core::base::Instant now) const;
  // The stream to PD's leader, opened when there is none (or it ended, or
  // PD's leader moved); null when none could be opened.
  Stream* EnsureStream();
  void ReadLoop(std::shared_ptr<Stream> stream);
  void OnResponse(const pdpb::RegionHeartbeatResponse& response);
  void ExecuteSplit(const pdpb::RegionHeartbeatResponse& response);
  void ProposeOperator(raft_cmdpb::RaftCmdRequest cmd);
  void FillPeerStats(const raftstore::PeerFsm& peer, core::base::Instant now,
                     pdpb::RegionHeartbeatRequest* request);
  void Count(const std::string& type);

  core::env::Env env_;
  client::pd::PdClient& pd_;
  raftstore::Store& store_;
  raftstore::IdSource& ids_;
  metrics::Metrics& metrics_;
  PdWorkerOptions options_;
  PdWorkerStats stats_;
  std::shared_ptr<Stream> stream_;
  std::map<uint64_t, Sent> sent_;
  // (region id, peer id) -> when the follower was first seen inactive.
  std::map<std::pair<uint64_t, uint64_t>, core::base::Instant> inactive_since_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool closed_ = false;
  // store_.stats().dropped_no_address at the last ResolveStores.
  uint64_t no_address_drops_seen_ = 0;
};

}  // namespace store::pd_worker

#endif  // STORE_PD_WORKER_PD_WORKER_H_
