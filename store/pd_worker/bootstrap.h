// BootstrapNode: how a store joins its cluster through PD at start-up, before
// its raftstore runs (Ref: TiKV src/server/node.rs Node::start,
// check_or_bootstrap_cluster; components/raftstore/src/store/bootstrap.rs):
//
//   1. The store's ident: loaded from the engine, or (empty engine) a store
//      id from PD's AllocID, persisted with PD's cluster id (BootstrapStore).
//      An engine of another cluster is refused.
//   2. The first region, when PD is not bootstrapped: a region id and a peer
//      id from AllocID, the region [-inf, +inf) with one voter here written
//      as prepared (PrepareBootstrapKey, then BootstrapRegion; both synced),
//      then PD's Bootstrap with this store and that region. PD answering
//      ALREADY_BOOTSTRAPPED with another first region (another store won the
//      race) removes the prepared region; with ours (an earlier attempt of
//      this store won and its answer was lost) keeps it. Either way the
//      prepare key goes.
//   3. PutStore with the template's address and labels (and this id).
//
// Idempotent: a restart (or a retry after an error) finds the ident, a
// prepared region not yet settled is settled as in 2 (the same region, not
// a new one), and a store of a bootstrapped cluster goes straight to 3.
//
// Fibre contract: parks the calling fibre (PD calls, synced engine
// writes). The engine must not be in use by a running Store.
#ifndef STORE_PD_WORKER_BOOTSTRAP_H_
#define STORE_PD_WORKER_BOOTSTRAP_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "core/env/engine.h"
#include "proto/metapb.pb.h"

namespace store::pd_worker {

struct BootstrapResult {
  uint64_t cluster_id = 0;
  uint64_t store_id = 0;
  // This call (or an earlier attempt of this store whose answer was lost)
  // bootstrapped the cluster with its first region.
  bool bootstrapped_cluster = false;
};

// Joins the cluster as described above; `store_template`'s id is ignored
// (filled in). Errors: PD's, the engine's, kFailedPrecondition for an
// engine of another cluster, DEADLINE_EXCEEDED past `deadline`.
absl::StatusOr<BootstrapResult> BootstrapNode(
    client::pd::PdClient& pd, core::env::Engine& engine,
    const metapb::Store& store_template, core::base::Instant deadline);

}  // namespace store::pd_worker

#endif  // STORE_PD_WORKER_BOOTSTRAP_H_
