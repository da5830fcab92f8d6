#include "store/raftstore/snapshot.h"

#include <iterator>

#include "core/region/metapb_convert.h"
#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

constexpr size_t kMaxReceivedSnapshots = 64;

std::string ChunkFrame(const raft_serverpb::SnapshotChunk& chunk) {
  std::string frame(1, kSnapshotChunkFrameTag);
  chunk.AppendToString(&frame);
  return frame;
}

// The region a MsgSnap envelope's snapshot describes.
absl::StatusOr<core::region::Region> SnapshotRegion(
    const raft_serverpb::RaftMessage& envelope) {
  raft_serverpb::RaftSnapshotData data;
  if (!data.ParseFromString(envelope.message().snapshot().data()) ||
      data.version() != kExportSnapshotVersion) {
    return absl::InvalidArgumentError("not an export snapshot");
  }
  auto region = core::region::FromMetapb(data.region());
  if (!region.ok()) return absl::InvalidArgumentError("no region");
  return *region;
}

}  // namespace

core::engine::ExportRange RegionDataRange(const core::region::Region& region) {
  return {.cfs = {std::begin(kDataCfs), std::end(kDataCfs)},
          .begin_key = DataKey(region.start_key),
          .end_key = DataEndKey(region.end_key)};
}

std::string SnapshotDataOf(const core::region::Region& region) {
  raft_serverpb::RaftSnapshotData data;
  *data.mutable_region() = core::region::ToMetapb(region);
  data.set_version(kExportSnapshotVersion);
  return data.SerializeAsString();
}

absl::StatusOr<SnapshotFrames> EncodeSnapshotFrames(
    const raft_serverpb::RaftMessage& envelope, const SnapshotSource& source,
    size_t chunk_bytes) {
  core::engine::RangeExporter exporter(source.engine_snapshot,
                                       RegionDataRange(source.region));
  SnapshotFrames out;
  raft_serverpb::SnapshotChunk chunk;
  *chunk.mutable_message() = envelope;
  while (!exporter.done()) {
    auto data = exporter.Next(chunk_bytes);
    if (!data.ok()) return data.status();
    chunk.set_data(*std::move(data));
    out.frames.push_back(ChunkFrame(chunk));
    out.frame_bytes += out.frames.back().size();
    chunk.clear_message();
  }
  out.data_bytes = exporter.bytes();
  return out;
}

bool IsSnapshotChunkFrame(std::string_view frame) {
  return !frame.empty() && frame[0] == kSnapshotChunkFrameTag;
}

absl::StatusOr<std::optional<raft_serverpb::RaftMessage>> SnapshotReceiver::Add(
    const std::string& from, std::string_view frame) {
  raft_serverpb::SnapshotChunk chunk;
  if (!IsSnapshotChunkFrame(frame) ||
      !chunk.ParseFromArray(frame.data() + 1, frame.size() - 1)) {
    streams_.erase(from);
    return absl::InvalidArgumentError("malformed snapshot chunk");
  }
  if (chunk.has_message()) {
    streams_[from] = {chunk.message(),
                      std::make_unique<core::engine::RangeIngester>()};
  }
  auto stream = streams_.find(from);
  if (stream == streams_.end()) {
    return absl::InvalidArgumentError("a snapshot chunk without its stream");
  }
  absl::Status added = stream->second.ingester->Add(chunk.data());
  if (!added.ok()) {
    streams_.erase(stream);
    return added;
  }
  if (!stream->second.ingester->complete()) return std::nullopt;
  return Complete(from);
}

absl::StatusOr<std::optional<raft_serverpb::RaftMessage>>
SnapshotReceiver::Complete(const std::string& from) {
  Stream stream = std::move(streams_.at(from));
  streams_.erase(from);
  auto region = SnapshotRegion(stream.envelope);
  if (!region.ok()) return region.status();
  if (region->id != stream.envelope.region_id() ||
      stream.ingester->range() != RegionDataRange(*region)) {
    return absl::InvalidArgumentError(
        "the snapshot's data is not its region's range");
  }
  const core::raft::Index index =
      stream.envelope.message().snapshot().metadata().index();
  if (received_.size() >= kMaxReceivedSnapshots) {
    received_.erase(received_.begin());
  }
  received_[{region->id, index}] = std::move(stream.ingester);
  return std::move(stream.envelope);
}

bool SnapshotReceiver::Has(uint64_t region_id, core::raft::Index index) const {
  return received_.contains({region_id, index});
}

std::unique_ptr<core::engine::RangeIngester> SnapshotReceiver::Take(
    uint64_t region_id, core::raft::Index index) {
  auto found = received_.find({region_id, index});
  if (found == received_.end()) return nullptr;
  std::unique_ptr<core::engine::RangeIngester> data = std::move(found->second);
  received_.erase(received_.lower_bound({region_id, 0}),
                  received_.upper_bound({region_id, index}));
  return data;
}

}  // namespace store::raftstore
