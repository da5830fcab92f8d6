#include "core/engine/range_export.h"

#include <algorithm>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/status_macros.h"
#include "core/engine/checksum.h"

namespace core::engine {
namespace {

constexpr std::string_view kMagic = "TKRX";
constexpr uint8_t kVersion = 1;
constexpr uint8_t kKindHeader = 1;
constexpr uint8_t kKindData = 2;
constexpr uint8_t kKindTrailer = 3;
constexpr size_t kCrcBytes = 4;

bool InRange(const ExportRange& range, std::string_view key) {
  return key >= range.begin_key &&
         (range.end_key.empty() || key < range.end_key);
}

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError("range export stream: " +
                                    std::string(what));
}

absl::Status Lost(std::string_view what) {
  return absl::DataLossError("range export stream: " + std::string(what));
}

bool GetByte(std::string_view* in, uint8_t* value) {
  if (in->empty()) return false;
  *value = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

bool GetCf(std::string_view* in, env::Cf* cf) {
  uint8_t raw = 0;
  if (!GetByte(in, &raw) || raw >= env::kAllCfs.size()) return false;
  *cf = static_cast<env::Cf>(raw);
  return true;
}

}  // namespace

RangeExporter::RangeExporter(std::shared_ptr<const env::Snapshot> snapshot,
                             ExportRange range)
    : snapshot_(std::move(snapshot)), range_(std::move(range)) {
  CHECK(snapshot_ != nullptr);
  CHECK(range_.end_key.empty() || range_.begin_key <= range_.end_key)
      << "export bounds reversed";
  std::sort(range_.cfs.begin(), range_.cfs.end());
  range_.cfs.erase(std::unique(range_.cfs.begin(), range_.cfs.end()),
                   range_.cfs.end());
}

std::string RangeExporter::MakeChunk(uint8_t kind, std::string_view payload) {
  std::string chunk(kMagic);
  chunk.push_back(static_cast<char>(kVersion));
  chunk.push_back(static_cast<char>(kind));
  base::PutVarint64(&chunk, sequence_++);
  base::PutLengthPrefixed(&chunk, payload);
  base::PutFixed32LittleEndian(&chunk, Crc32c(chunk));
  return chunk;
}

absl::StatusOr<bool> RangeExporter::FillData(size_t max_bytes,
                                             std::string* payload) {
  while (cf_index_ < range_.cfs.size()) {
    const env::Cf cf = range_.cfs[cf_index_];
    if (it_ == nullptr) {
      env::IteratorOptions options{.lower_bound = range_.begin_key,
                                   .upper_bound = std::nullopt};
      if (!range_.end_key.empty()) options.upper_bound = range_.end_key;
      it_ = snapshot_->NewIterator(cf, options);
      it_->SeekToFirst();
    }
    for (; it_->Valid(); it_->Next()) {
      if (!payload->empty() && payload->size() >= max_bytes) return true;
      payload->push_back(static_cast<char>(cf));
      base::PutLengthPrefixed(payload, it_->key());
      base::PutLengthPrefixed(payload, it_->value());
      ++entries_;
      bytes_ += it_->key().size() + it_->value().size();
    }
    RETURN_IF_ERROR(it_->status());
    it_.reset();
    ++cf_index_;
  }
  return false;
}

absl::StatusOr<std::string> RangeExporter::Next(size_t max_bytes) {
  CHECK(!done()) << "Next() after the trailer";
  if (stage_ == Stage::kHeader) {
    std::string payload;
    base::PutVarint64(&payload, range_.cfs.size());
    for (env::Cf cf : range_.cfs) payload.push_back(static_cast<char>(cf));
    base::PutLengthPrefixed(&payload, range_.begin_key);
    base::PutLengthPrefixed(&payload, range_.end_key);
    stage_ = Stage::kData;
    return MakeChunk(kKindHeader, payload);
  }
  std::string payload;
  absl::StatusOr<bool> more = FillData(max_bytes, &payload);
  if (!more.ok()) {
    stage_ = Stage::kDone;
    return more.status();
  }
  if (!payload.empty()) return MakeChunk(kKindData, payload);
  CHECK(!*more);
  base::PutVarint64(&payload, entries_);
  base::PutVarint64(&payload, bytes_);
  stage_ = Stage::kDone;
  return MakeChunk(kKindTrailer, payload);
}

absl::StatusOr<std::string> ExportRangeToString(
    std::shared_ptr<const env::Snapshot> snapshot, ExportRange range,
    size_t chunk_bytes_max) {
  RangeExporter exporter(std::move(snapshot), std::move(range));
  std::string stream;
  while (!exporter.done()) {
    ASSIGN_OR_RETURN(std::string chunk, exporter.Next(chunk_bytes_max));
    stream += chunk;
  }
  return stream;
}

absl::Status RangeIngester::Add(std::string_view chunks) {
  while (error_.ok() && !chunks.empty()) error_ = AddOne(&chunks);
  return error_;
}

absl::Status RangeIngester::AddOne(std::string_view* input) {
  std::string_view in = *input;
  if (in.substr(0, kMagic.size()) != kMagic) return Lost("bad magic");
  in.remove_prefix(kMagic.size());
  uint8_t version = 0, kind = 0;
  uint64_t sequence = 0;
  std::string_view payload;
  if (!GetByte(&in, &version) || !GetByte(&in, &kind) ||
      !base::GetVarint64(&in, &sequence) ||
      !base::GetLengthPrefixed(&in, &payload) || in.size() < kCrcBytes) {
    return Lost("chunk cut short");
  }
  const size_t covered = input->size() - in.size();
  uint32_t crc = 0;
  CHECK(base::GetFixed32LittleEndian(&in, &crc));
  if (crc != Crc32c(input->substr(0, covered))) {
    return Lost("chunk checksum mismatch");
  }
  *input = in;
  if (version != kVersion) return Invalid("unknown version");
  if (complete_) return Invalid("chunk after the trailer");
  if (sequence != next_sequence_) return Invalid("chunk out of sequence");
  ++next_sequence_;
  const bool header = kind == kKindHeader;
  if (header != (sequence == 0)) return Invalid("header not first");
  switch (kind) {
    case kKindHeader:
      return AcceptHeader(payload);
    case kKindData:
      return AcceptData(payload);
    case kKindTrailer:
      return AcceptTrailer(payload);
  }
  return Invalid("unknown chunk kind");
}

absl::Status RangeIngester::AcceptHeader(std::string_view payload) {
  ExportRange range;
  uint64_t count = 0;
  if (!base::GetVarint64(&payload, &count) || count > env::kAllCfs.size()) {
    return Invalid("bad column family count");
  }
  for (uint64_t i = 0; i < count; ++i) {
    env::Cf cf;
    if (!GetCf(&payload, &cf)) return Invalid("bad column family");
    if (!range.cfs.empty() && cf <= range.cfs.back()) {
      return Invalid("column families not increasing");
    }
    range.cfs.push_back(cf);
  }
  std::string_view begin, end;
  if (!base::GetLengthPrefixed(&payload, &begin) ||
      !base::GetLengthPrefixed(&payload, &end) || !payload.empty()) {
    return Invalid("bad header");
  }
  if (!end.empty() && end < begin) return Invalid("range bounds reversed");
  range.begin_key = std::string(begin);
  range.end_key = std::string(end);
  range_ = std::move(range);
  return absl::OkStatus();
}

absl::Status RangeIngester::AcceptData(std::string_view payload) {
  if (payload.empty()) return Invalid("empty data chunk");
  while (!payload.empty()) {
    env::Cf cf;
    std::string_view key, value;
    if (!GetCf(&payload, &cf) || !base::GetLengthPrefixed(&payload, &key) ||
        !base::GetLengthPrefixed(&payload, &value)) {
      return Invalid("bad entry");
    }
    if (std::find(range_->cfs.begin(), range_->cfs.end(), cf) ==
        range_->cfs.end()) {
      return Invalid("entry of a column family not exported");
    }
    if (!InRange(*range_, key)) return Invalid("key outside the range");
    if (last_cf_ && (cf < *last_cf_ || (cf == *last_cf_ && key <= last_key_))) {
      return Invalid("entries not increasing");
    }
    last_cf_ = cf;
    last_key_ = std::string(key);
    puts_.Put(cf, key, value);
    ++entries_;
    bytes_ += key.size() + value.size();
  }
  return absl::OkStatus();
}

absl::Status RangeIngester::AcceptTrailer(std::string_view payload) {
  uint64_t entries = 0, bytes = 0;
  if (!base::GetVarint64(&payload, &entries) ||
      !base::GetVarint64(&payload, &bytes) || !payload.empty()) {
    return Invalid("bad trailer");
  }
  if (entries != entries_ || bytes != bytes_) {
    return Invalid("trailer counts do not match the data");
  }
  complete_ = true;
  return absl::OkStatus();
}

absl::StatusOr<env::WriteBatch> RangeIngester::ReplaceBatch(
    env::Engine& engine) const {
  RETURN_IF_ERROR(error_);
  if (!complete_) return Lost("stream ended before its trailer");
  env::WriteBatch batch;
  std::shared_ptr<const env::Snapshot> current;
  for (env::Cf cf : range_->cfs) {
    std::string end = range_->end_key;
    if (end.empty()) {
      // Unbounded: delete up to just past the last key present now.
      if (current == nullptr) current = engine.NewSnapshot();
      env::IteratorOptions options{.lower_bound = range_->begin_key,
                                   .upper_bound = std::nullopt};
      std::unique_ptr<env::Iterator> it = current->NewIterator(cf, options);
      it->SeekToLast();
      RETURN_IF_ERROR(it->status());
      if (!it->Valid()) continue;
      end = base::NextKey(it->key());
    }
    batch.DeleteRange(cf, range_->begin_key, end);
  }
  batch.Append(puts_);
  return batch;
}

absl::Status IngestRange(env::Engine& engine, std::string_view stream,
                         const env::WriteOptions& options) {
  RangeIngester ingester;
  RETURN_IF_ERROR(ingester.Add(stream));
  ASSIGN_OR_RETURN(env::WriteBatch batch, ingester.ReplaceBatch(engine));
  return engine.Write(batch, options);
}

}  // namespace core::engine
