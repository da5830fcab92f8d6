// ReadyLoop: the one Ready loop of the tree (besides core/raft's own test
// harness). One iteration handles every peer that has a Ready, with group
// commit (Ref: TiKV raftstore's RaftPoller, components/raftstore/src/store/
// fsm/store.rs: one raft engine write batch per poll round):
//
//   1. each peer's CollectReady: its messages go out (handed to the peer's
//      host, which may batch them until `before_persist`), its snapshot,
//      entries and hard state are staged into one shared WriteBatch
//      (then `before_persist`, if set);
//   2. that batch is written with one engine Write, synced when any peer's
//      Ready must be (at most one sync per iteration);
//   3. each peer's OnPersisted (after-persist messages) and ApplyCommitted.
//
// A failed write or sync is fail-stop for every peer in the iteration: what
// they staged may or may not survive a crash, so none may go on.
//
// Fault points (simulation builds): a slow disk widening the window between
// sending and persisting; an fsync failing (EIO), frequent when a Ready
// records a vote, where losing the write matters most (Ref: Raft paper
// Figure 2, votedFor is persistent state). A site is its file and line
// (sim/buggify): moving these lines in ready_loop.cc changes which sites a
// seed activates, and with it the mutant sweeps' first failing seeds and
// shrinks (//sim/runner:mutant_*_test expect a shrink ratio).
//
// Thread-affinity: the store's executor, one fibre.
#ifndef STORE_PEER_READY_LOOP_H_
#define STORE_PEER_READY_LOOP_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "store/peer/peer.h"

namespace store {

struct ReadyLoopStats {
  uint64_t iterations = 0;
  uint64_t readies = 0;
  uint64_t writes = 0;
  uint64_t syncs = 0;
};

class ReadyLoop {
 public:
  explicit ReadyLoop(core::env::Env env) : env_(env) {}

  // Handles every peer of `peers` that has a Ready; returns how many did.
  size_t HandleReadies(const std::vector<Peer*>& peers);
  // Runs in every iteration after every Ready was collected and before the
  // write: a store that batches its peers' messages per destination sends
  // them there, so that they travel while the disk syncs.
  void set_before_persist(std::function<void()> before_persist) {
    before_persist_ = std::move(before_persist);
  }
  const ReadyLoopStats& stats() const { return stats_; }

 private:
  absl::Status Persist(const std::vector<Peer*>& ready,
                       const core::env::WriteBatch& batch, bool must_sync,
                       bool records_vote);
  bool InjectSyncFailure(bool records_vote);

  core::env::Env env_;
  ReadyLoopStats stats_;
  std::function<void()> before_persist_;
};

}  // namespace store

#endif  // STORE_PEER_READY_LOOP_H_
