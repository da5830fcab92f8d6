// Region snapshots by export and ingest (Ref: TiKV components/raftstore/src/
// store/snap.rs and src/server/snap.rs): the data travels beside the Raft
// message, never inside it.
//
// Generation. The eraftpb.Snapshot a peer's storage keeps (and Raft puts in
// MsgSnap) carries only raft_serverpb.RaftSnapshotData{region, version 2}.
// When the applier makes it (log GC, a membership change, recovery) it pins
// an engine snapshot taken at that applied index (SnapshotSource); the
// data is exported from it (core/engine/range_export.h: every data CF of
// the region's range) only when a MsgSnap is sent.
//
// Transfer. A snapshot is a stream of transport frames, each the byte
// kSnapshotChunkFrameTag then a raft_serverpb.SnapshotChunk (a message
// frame is a tikvpb.BatchRaftMessage, whose first byte is never 0: the
// tag keeps the two apart on one connection, as TiKV's Snapshot and
// BatchRaft calls share a channel). The first chunk carries the envelope
// with the MsgSnap and the export's header; the rest carry its data chunks
// up to the trailer. The frames of one snapshot are queued together, so a
// connection carries one stream at a time.
//
// Receipt. SnapshotReceiver checks every chunk (checksums, order) as it
// arrives; once the trailer is in, and the stream's range is the region's
// data range, the message is handed back to be routed as any other and the
// staged data kept until the peer installs the snapshot (Take). A broken
// stream is dropped (a new first chunk from the same sender replaces it):
// the leader resends after its probe.
//
// Install (RegionApplier::ApplySnapshot): the old region's range and the
// new one are cleared in every data CF and the ingested keys put, in the
// batch that also replaces the log and the apply and region state, written
// and synced once by the Ready loop. That batch is atomic across a crash,
// so a crash leaves the old replica or the new one, never a mix: the
// apply needs no "Applying" state to resume (TiKV needs PeerState::Applying
// because its ingest of SST files and its raft state are separate writes).
//
// Thread-affinity: the store's executor.
#ifndef STORE_RAFTSTORE_SNAPSHOT_H_
#define STORE_RAFTSTORE_SNAPSHOT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/engine/range_export.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "core/region/region.h"
#include "proto/raft_serverpb.pb.h"

namespace store::raftstore {

// RaftSnapshotData.version of a snapshot whose data travels as an export.
inline constexpr uint64_t kExportSnapshotVersion = 2;
inline constexpr char kSnapshotChunkFrameTag = '\0';
// TiKV streams snapshots in 1 MiB chunks.
inline constexpr size_t kDefaultSnapshotChunkBytes = 1 << 20;

// A snapshot as its sender holds it: the engine's state at `index`.
struct SnapshotSource {
  core::raft::Index index = 0;
  core::region::Region region;
  std::shared_ptr<const core::env::Snapshot> engine_snapshot;
};

// Every data CF of `region`'s range, in data keys.
core::engine::ExportRange RegionDataRange(const core::region::Region& region);

// The RaftSnapshotData of `region` (its data travels apart).
std::string SnapshotDataOf(const core::region::Region& region);

struct SnapshotFrames {
  std::vector<std::string> frames;
  // Key and value bytes exported, and the frames' bytes.
  uint64_t data_bytes = 0;
  uint64_t frame_bytes = 0;
};

// The frames sending `envelope` (a MsgSnap) with the data of `source`.
absl::StatusOr<SnapshotFrames> EncodeSnapshotFrames(
    const raft_serverpb::RaftMessage& envelope, const SnapshotSource& source,
    size_t chunk_bytes);

bool IsSnapshotChunkFrame(std::string_view frame);

class SnapshotReceiver {
 public:
  // Takes one chunk frame from `from`. The envelope once its stream is
  // complete; an error for a malformed chunk or stream (dropped).
  absl::StatusOr<std::optional<raft_serverpb::RaftMessage>> Add(
      const std::string& from, std::string_view frame);
  // Whether the data of region `region_id`'s snapshot at `index` is here.
  bool Has(uint64_t region_id, core::raft::Index index) const;
  // Takes that data (and forgets the region's older ones); nullptr when it
  // is not here.
  std::unique_ptr<core::engine::RangeIngester> Take(uint64_t region_id,
                                                    core::raft::Index index);
  size_t streams_in_progress() const { return streams_.size(); }

 private:
  struct Stream {
    raft_serverpb::RaftMessage envelope;
    std::unique_ptr<core::engine::RangeIngester> ingester;
  };
  absl::StatusOr<std::optional<raft_serverpb::RaftMessage>> Complete(
      const std::string& from);

  std::map<std::string, Stream> streams_;
  std::map<std::pair<uint64_t, core::raft::Index>,
           std::unique_ptr<core::engine::RangeIngester>>
      received_;
};

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_SNAPSHOT_H_
