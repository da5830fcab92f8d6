// Range export and ingest: the data of a region snapshot. RangeExporter reads
// every key of a set of column families in [begin_key, end_key) from an
// env::Snapshot and writes it as a stream of self-describing, checksummed
// chunks, a bounded number of bytes at a time; RangeIngester checks a stream
// chunk by chunk and turns it into one WriteBatch that atomically replaces
// the range in those column families (delete the old range, put the new
// keys). Engine-agnostic and pure: it runs on MemEngine and RocksEngine
// alike. (RocksDB's IngestExternalFile could later replace the batch for big
// ranges; the stream format would not change.)
//
// Stream format, version 1. DO NOT CHANGE: persisted and sent over the wire
// (golden bytes in range_export_test). A stream is a sequence of chunks; a
// chunk is
//
//   magic       4 bytes  "TKRX"
//   version     1 byte   1
//   kind        1 byte   1 = header, 2 = data, 3 = trailer
//   sequence    varint   0 for the header, then +1 per chunk
//   length      varint   payload bytes
//   payload     length bytes (by kind, below)
//   crc32c      4 bytes little-endian, CRC-32C of every byte above
//
// Payloads (varints are LEB128; "bytes" is a varint length then the bytes):
//   header   cf count (varint), then each cf as 1 byte (Cf's value, strictly
//            increasing), then begin_key (bytes), end_key (bytes; empty
//            means unbounded, as a region's end_key)
//   data     entries back to back, each: cf (1 byte), key (bytes), value
//            (bytes); across the whole stream entries are strictly
//            increasing by (cf, key), every cf is in the header and every key
//            in [begin_key, end_key)
//   trailer  entry count (varint), key + value bytes (varint) of the stream
//
// The stream is exactly one header, any number of data chunks, one trailer.
// Errors on ingest: a chunk cut short, a wrong magic or checksum, or a
// stream that ends before its trailer is kDataLoss; a chunk whose checksum
// holds but which breaks the rules above (version, kind, sequence, order,
// range, counts) is kInvalidArgument. Bad input never crashes.
#ifndef CORE_ENGINE_RANGE_EXPORT_H_
#define CORE_ENGINE_RANGE_EXPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"

namespace core::engine {

// The key range of a set of column families.
struct ExportRange {
  std::vector<env::Cf> cfs;
  std::string begin_key;
  // Exclusive; empty means unbounded.
  std::string end_key;
  bool operator==(const ExportRange& other) const = default;
};

class RangeExporter {
 public:
  // Exports `range` (cfs sorted and made unique) as `snapshot` shows it.
  // Requires end_key empty or begin_key <= end_key.
  RangeExporter(std::shared_ptr<const env::Snapshot> snapshot,
                ExportRange range);

  // The next chunk: first the header, then data chunks of at most about
  // `max_bytes` of payload (an entry larger than that gets a chunk of its
  // own), then the trailer. Requires !done(). An error from the snapshot
  // (kDataLoss for corruption) ends the export.
  absl::StatusOr<std::string> Next(size_t max_bytes);
  // True once the trailer has been returned.
  bool done() const { return stage_ == Stage::kDone; }
  uint64_t entries() const { return entries_; }
  uint64_t bytes() const { return bytes_; }

 private:
  enum class Stage { kHeader, kData, kDone };
  // Appends entries of the current and following cfs to `payload` until it
  // holds about `max_bytes`; false once every cf is exhausted.
  absl::StatusOr<bool> FillData(size_t max_bytes, std::string* payload);
  std::string MakeChunk(uint8_t kind, std::string_view payload);

  std::shared_ptr<const env::Snapshot> snapshot_;
  ExportRange range_;
  Stage stage_ = Stage::kHeader;
  uint64_t sequence_ = 0;
  size_t cf_index_ = 0;
  std::unique_ptr<env::Iterator> it_;
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
};

// Exports the whole range into one buffer (all chunks back to back).
absl::StatusOr<std::string> ExportRangeToString(
    std::shared_ptr<const env::Snapshot> snapshot, ExportRange range,
    size_t chunk_bytes_max);

class RangeIngester {
 public:
  // Checks one or more whole chunks, in stream order, and stages their
  // entries. After the first error every later call returns it again.
  absl::Status Add(std::string_view chunks);
  // True once the trailer has been accepted.
  bool complete() const { return complete_; }
  // The range, once the header has been accepted.
  const std::optional<ExportRange>& range() const { return range_; }

  // The batch that replaces the range of every exported cf in `engine` with
  // the staged entries: per cf a DeleteRange, then the puts. With an
  // unbounded end_key the delete reaches just past `engine`'s last key in
  // the cf, so nothing may write the range between this call and the write
  // of the batch. kDataLoss when the trailer has not been accepted. The
  // caller may append its own ops (e.g. region state) and writes the batch.
  absl::StatusOr<env::WriteBatch> ReplaceBatch(env::Engine& engine) const;

 private:
  absl::Status AddOne(std::string_view* input);
  absl::Status AcceptHeader(std::string_view payload);
  absl::Status AcceptData(std::string_view payload);
  absl::Status AcceptTrailer(std::string_view payload);

  absl::Status error_;
  std::optional<ExportRange> range_;
  uint64_t next_sequence_ = 0;
  bool complete_ = false;
  env::WriteBatch puts_;
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
  // The last staged (cf, key), for the order check.
  std::optional<env::Cf> last_cf_;
  std::string last_key_;
};

// Replaces the range with a whole stream in one write (durable when
// options.sync).
absl::Status IngestRange(env::Engine& engine, std::string_view stream,
                         const env::WriteOptions& options);

}  // namespace core::engine

#endif  // CORE_ENGINE_RANGE_EXPORT_H_
