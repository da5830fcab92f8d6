// Engine: the ordered key-value storage under a store node, with TiKV's four
// column families. Implementations: MemEngine (pure, in memory, with the
// crash semantics the simulator needs) and RocksEngine (RocksDB).
//
// Durability contract:
//  * Write(batch) applies the whole batch atomically: a reader sees all of it
//    or none of it, at once.
//  * A batch is atomic across a crash too: it survives whole or not at all,
//    never torn (RocksDB's WAL writes a batch as one checksummed record).
//  * Nothing is durable until a sync completes: Write with `sync = true`
//    returning OK, or Sync() returning OK, makes every earlier write durable.
//    A crash may lose unsynced batches only as a suffix: the survivors are
//    always a prefix of whole batches in write order, and that prefix
//    includes every batch a sync acknowledged.
//  * An error (kDataLoss for a checksum mismatch, kResourceExhausted for a
//    full disk, kInternal for EIO) means the operation did not take effect
//    as far as the caller may assume; the caller decides whether to retry or
//    to stop. A read never returns wrong bytes silently: corruption surfaces
//    as kDataLoss.
//
// Fibre contract: Write, Sync and snapshot reads may park the calling fibre.
// One Engine is used from one Executor.
#ifndef CORE_ENV_ENGINE_H_
#define CORE_ENV_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace core::env {

// Column families, as in TiKV (components/engine_traits/src/cf_defs.rs).
enum class Cf : uint8_t { kDefault = 0, kLock = 1, kWrite = 2, kRaft = 3 };
inline constexpr std::array<Cf, 4> kAllCfs = {Cf::kDefault, Cf::kLock,
                                              Cf::kWrite, Cf::kRaft};
// "default", "lock", "write", "raft".
std::string_view CfName(Cf cf);

// An ordered list of mutations applied atomically by Engine::Write. Ops apply
// in order, so a later op on a key wins over an earlier one of the same
// batch (a put after a delete-range over its key stays). Keys and values are
// arbitrary bytes; the empty key and the empty value are ordinary (an empty
// value is present, not absent).
class WriteBatch {
 public:
  enum class OpKind : uint8_t { kPut, kDelete, kDeleteRange };
  struct Op {
    OpKind kind;
    Cf cf;
    std::string key;
    // kPut: the value. kDeleteRange: the exclusive end key.
    std::string value;
  };

  void Put(Cf cf, std::string_view key, std::string_view value);
  void Delete(Cf cf, std::string_view key);
  // Deletes every key in [begin_key, end_key) of `cf`, and nothing in other
  // column families. begin_key == end_key deletes nothing.
  void DeleteRange(Cf cf, std::string_view begin_key, std::string_view end_key);
  void Append(const WriteBatch& other);
  void Clear();

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Key and value bytes, for batching limits.
  size_t ApproximateBytes() const { return bytes_; }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

struct IteratorOptions {
  // Keys outside [lower_bound, upper_bound) are invisible; unset is unbounded.
  // Seek targets may lie outside: Seek below the lower bound lands on the
  // first visible key, SeekForPrev at or above the upper bound on the last.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
};

// Walks the keys of one column family in byte order. Starts unpositioned; call
// a Seek first. key()/value() are valid only while Valid() and until the next
// move; the views point into memory the iterator owns. An iterator keeps the
// state of its snapshot alive: it stays usable after the snapshot and the
// engine that made it are destroyed.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Not OK when iteration stopped because of an error (e.g. corruption);
  // Valid() is then false. Check it after a loop ends.
  virtual absl::Status status() const = 0;
};

// A consistent point-in-time view; later writes are invisible to it. It stays
// readable for as long as the caller holds it, even after the engine that
// made it is destroyed.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  // nullopt when the key is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) const = 0;
  virtual std::unique_ptr<Iterator> NewIterator(
      Cf cf, const IteratorOptions& options) const = 0;
};

// What ApproximateSize reports for a key range.
struct RangeSize {
  // Key plus value bytes of the live entries (no per-entry overhead).
  uint64_t bytes = 0;
  // Live keys.
  uint64_t keys = 0;
  bool operator==(const RangeSize& other) const = default;
};

struct WriteOptions {
  // Durable before returning OK (see the contract above).
  bool sync = false;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual absl::Status Write(const WriteBatch& batch,
                             const WriteOptions& options) = 0;
  // Makes every earlier Write durable.
  virtual absl::Status Sync() = 0;
  // Reads the latest state (including unsynced writes); nullopt when the key
  // is absent (never an error status).
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) = 0;
  virtual std::shared_ptr<const Snapshot> NewSnapshot() = 0;

  // The size of `cf` in [begin_key, end_key) in the latest state, for split
  // checks and PD heartbeats (TiKV's split checker uses both bytes and keys).
  // An empty end_key means unbounded, as a region's end_key does; otherwise
  // begin_key <= end_key. Approximate: an implementation may count deleted
  // or overwritten entries not yet compacted away and may sample, so use it
  // for thresholds, never for correctness. Every engine guarantees (the
  // conformance suite and the differential property in tests/engine check
  // it):
  //  * exactly {0, 0} when begin_key == end_key, and when no key in the
  //    range was ever put or deleted in `cf` (no other CF or range counts);
  //  * never more bytes or keys than every op ever written to `cf` (key plus
  //    value bytes, a delete-range's end key as its value; one key per op);
  //  * for thousands of distinct entries written once, within a factor of
  //    two of the exact figures, and growing as more such entries are
  //    written.
  // MemEngine is exact; RocksEngine estimates from table properties and
  // memtable statistics. The default implementation counts exactly by
  // scanning a snapshot (O(keys in the range)); engines override it.
  virtual absl::StatusOr<RangeSize> ApproximateSize(Cf cf,
                                                    std::string_view begin_key,
                                                    std::string_view end_key);
};

}  // namespace core::env

#endif  // CORE_ENV_ENGINE_H_
