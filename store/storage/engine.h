// The engine seam under the storage layer, shaped as TiKV's tikv_kv::Engine
// (components/tikv_kv/src/lib.rs): a consistent snapshot of one region, and
// a write that returns once applied. The raftstore implements it over the
// region's Raft group (ReadIndex or lease for a snapshot, a proposal for a
// write); LocalEngine (local_engine.h) implements it over a plain
// core::env::Engine, like TiKV's local test engine, for tests and single-node
// use.
//
// Keys: TiKV API V1. Snapshots and batches carry the region's keys as they
// are: raw KV's user keys unchanged, and transactional KV's MVCC keys
// (memcomparable-encoded user key, plus the descending ts in CF_WRITE and
// CF_DEFAULT), in one key space with no prefix per API. A region's
// [start_key, end_key) is in that space (raw keys for raw data, encoded keys
// for transactional data); the storage layer checks every key of a request
// against it (scheduler.h KeySpace). The raftstore adds its data prefix
// ("z") below this seam. A DeleteRange op ending at KeySpaceEnd() runs to
// the end of the key space (of the region, for a Raft engine).
//
// Fibre contract: both calls may park the calling fibre (a ReadIndex round,
// a Raft proposal waiting for apply, a synced write).
#ifndef STORE_STORAGE_ENGINE_H_
#define STORE_STORAGE_ENGINE_H_

#include <memory>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "core/base/result.h"
#include "core/base/timestamp.h"
#include "core/env/engine.h"
#include "core/region/region.h"
#include "store/storage/region_error.h"

namespace store::storage {

// A key above every key a request may carry (user keys are at most 8 KiB,
// their encodings under 10 KiB): the end of an unbounded delete-range.
const std::string& KeySpaceEnd();

// Where a request goes (kvrpcpb.Context's routing fields).
struct RequestRoute {
  RegionId region_id = 0;
  RegionEpoch region_epoch;
  // The peer the client believes serves the request (its store_id names the
  // store); zero ids are not checked.
  Peer peer;
  bool operator==(const RequestRoute&) const = default;
};

// Ref: tikv_kv SnapContext.
struct SnapContext {
  RequestRoute route;
  // The read's timestamp, for a replica or stale read's safe-ts check; zero
  // for raw reads and for the snapshot of a write command.
  core::base::TimeStamp read_ts;
  // Served by a follower through ReadIndex (kvrpcpb replica_read).
  bool replica_read = false;
  // Served from the local state if safe_ts >= read_ts (kvrpcpb stale_read).
  bool stale_read = false;
};

struct WriteContext {
  RequestRoute route;
};

struct RegionSnapshot {
  std::shared_ptr<const core::env::Snapshot> snapshot;
  // The region as the engine knew it when the snapshot was taken: its range
  // bounds what the request may touch.
  Region region;
};

// How an engine call fails: a region error (the client re-routes or
// retries) or an engine failure (core::env::Engine's codes: kInternal for
// EIO, kResourceExhausted for ENOSPC, kDataLoss for corruption).
using EngineError = std::variant<RegionError, absl::Status>;
template <typename T>
using EngineResult = core::base::Result<T, EngineError>;

class Engine {
 public:
  virtual ~Engine() = default;

  // A consistent view of the region's data as of (at least) every write
  // this engine acknowledged before the call.
  virtual EngineResult<RegionSnapshot> Snapshot(const SnapContext& ctx) = 0;

  // Applies `batch` atomically and returns once it is applied: a snapshot
  // taken after the return sees it. A region error means it was not
  // applied; an engine failure means the caller may not assume either way
  // (the client retries; every transactional command is idempotent).
  virtual EngineResult<core::base::Unit> Write(
      const WriteContext& ctx, const core::env::WriteBatch& batch) = 0;
};

}  // namespace store::storage

#endif  // STORE_STORAGE_ENGINE_H_
