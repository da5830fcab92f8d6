// RaftKv: the storage layer's engine seam (store/storage engine.h) over the
// raftstore (TiKV's src/server/raftkv/mod.rs). A write becomes one
// raft_cmdpb write command (Put / Delete / DeleteRange per op) proposed to
// the region's leader and returns once applied; a snapshot is a
// Store::Read (a lease read on the leader, else a ReadIndex round; a
// replica read on a follower when the context asks), and carries the region
// as the peer knew it. Region errors come back as the storage layer's
// RegionError (region_error_convert.h). Both calls park the calling fibre.
//
// Thread-affinity: the store's executor.
#ifndef STORE_SERVER_RAFT_KV_H_
#define STORE_SERVER_RAFT_KV_H_

#include "proto/raft_cmdpb.pb.h"
#include "store/raftstore/store.h"
#include "store/storage/engine.h"

namespace store::server {

class RaftKv final : public storage::Engine {
 public:
  // `store` must outlive this object.
  explicit RaftKv(raftstore::Store& store) : store_(store) {}

  storage::EngineResult<storage::RegionSnapshot> Snapshot(
      const storage::SnapContext& ctx) override;
  storage::EngineResult<core::base::Unit> Write(
      const storage::WriteContext& ctx,
      const core::env::WriteBatch& batch) override;

 private:
  raftstore::Store& store_;
};

// The command header of a request routed to `route`.
raft_cmdpb::RaftRequestHeader HeaderOf(const storage::RequestRoute& route);
// The write command for `batch` (a DeleteRange ending at KeySpaceEnd() runs
// to the region's end).
raft_cmdpb::RaftCmdRequest WriteCommandOf(const storage::RequestRoute& route,
                                          const core::env::WriteBatch& batch);

}  // namespace store::server

#endif  // STORE_SERVER_RAFT_KV_H_
