// Range export / ingest on MemEngine: the stream format byte for byte (golden
// bytes: the format is persisted and sent between stores), round trips in
// small chunks, that ingest replaces exactly the range of the exported
// column families, and that every truncation, bit flip, reordering or
// duplication of a stream is rejected with kDataLoss or kInvalidArgument.
// The same round trips on RocksEngine run in the engine conformance suite.
#include "core/engine/range_export.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/engine/checksum.h"
#include "core/engine/mem_engine.h"

namespace core::engine {
namespace {

using env::Cf;

void MustWrite(env::Engine& engine, const env::WriteBatch& batch) {
  ASSERT_TRUE(engine.Write(batch, {}).ok());
}

std::vector<std::string> Chunks(env::Engine& engine, const ExportRange& range,
                                size_t max_bytes) {
  RangeExporter exporter(engine.NewSnapshot(), range);
  std::vector<std::string> chunks;
  while (!exporter.done()) {
    auto chunk = exporter.Next(max_bytes);
    EXPECT_TRUE(chunk.ok()) << chunk.status();
    if (!chunk.ok()) break;
    chunks.push_back(*chunk);
  }
  return chunks;
}

std::string Join(const std::vector<std::string>& chunks) {
  std::string out;
  for (const std::string& c : chunks) out += c;
  return out;
}

// The status of ingesting `stream` into a fresh engine.
absl::Status IngestFresh(std::string_view stream) {
  MemEngine target;
  return IngestRange(target, stream, {});
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
}

// DO NOT CHANGE: the version-1 stream of a tiny range. A change here breaks
// snapshots between stores of different versions.
TEST(RangeExportTest, GoldenBytes) {
  MemEngine engine;
  env::WriteBatch batch;
  batch.Put(Cf::kDefault, "a", "1");
  batch.Put(Cf::kDefault, "b", "22");
  batch.Put(Cf::kDefault, "c", "outside");
  batch.Put(Cf::kWrite, "a", "w");
  batch.Put(Cf::kLock, "a", "not exported");
  MustWrite(engine, batch);
  const std::vector<std::string> chunks = Chunks(
      engine,
      {.cfs = {Cf::kWrite, Cf::kDefault}, .begin_key = "a", .end_key = "c"},
      /*max_bytes=*/4);
  std::vector<std::string> hex;
  for (const std::string& c : chunks) hex.push_back(base::HexEncode(c));
  EXPECT_EQ(hex, (std::vector<std::string>{
                     // header: 2 cfs (default, write), ["a", "c")
                     "544b52580101000702000201610163aeb64485",
                     // data: default "a" = "1"
                     "544b5258010201050001610131f385d1e6",
                     // data: default "b" = "22"
                     "544b525801020206000162023232f134d7bc",
                     // data: write "a" = "w"
                     "544b52580102030502016101776ff92f21",
                     // trailer: 3 entries, 7 bytes
                     "544b5258010304020307776db8d7",
                 }));
}

TEST(RangeExportTest, RoundTripInSmallChunksReplacesOnlyTheRange) {
  MemEngine source;
  env::WriteBatch batch;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(100 + i);
    batch.Put(Cf::kDefault, key, std::string(i, 'v'));
    batch.Put(Cf::kWrite, key, "w" + key);
  }
  MustWrite(source, batch);
  const ExportRange range{.cfs = {Cf::kDefault, Cf::kWrite},
                          .begin_key = "k110",
                          .end_key = "k140"};
  const std::vector<std::string> chunks = Chunks(source, range, 64);
  EXPECT_GT(chunks.size(), 5u) << "header, several data chunks, trailer";

  MemEngine target;
  env::WriteBatch old;
  old.Put(Cf::kDefault, "k105", "before the range");
  old.Put(Cf::kDefault, "k111", "stale, in the range");
  old.Put(Cf::kDefault, "k1115", "stale, not exported");
  old.Put(Cf::kDefault, "k140", "at the end key");
  old.Put(Cf::kLock, "k120", "other cf");
  MustWrite(target, old);
  RangeIngester ingester;
  for (const std::string& chunk : chunks) {
    EXPECT_FALSE(ingester.complete());
    ASSERT_TRUE(ingester.Add(chunk).ok());
  }
  ASSERT_TRUE(ingester.complete());
  EXPECT_EQ(ingester.range(), range);
  auto replace = ingester.ReplaceBatch(target);
  ASSERT_TRUE(replace.ok()) << replace.status();
  ASSERT_TRUE(target.Write(*replace, {.sync = true}).ok());

  EXPECT_EQ(*target.Get(Cf::kDefault, "k105"), "before the range");
  EXPECT_EQ(*target.Get(Cf::kDefault, "k140"), "at the end key");
  EXPECT_EQ(*target.Get(Cf::kLock, "k120"), "other cf");
  EXPECT_EQ(*target.Get(Cf::kDefault, "k1115"), std::nullopt);
  EXPECT_EQ(*target.Get(Cf::kDefault, "k111"), std::string(11, 'v'));
  EXPECT_EQ(*target.Get(Cf::kWrite, "k139"), "wk139");
  EXPECT_EQ(*target.Get(Cf::kWrite, "k140"), std::nullopt);
  const env::RangeSize size =
      *target.ApproximateSize(Cf::kWrite, "k110", "k140");
  EXPECT_EQ(size.keys, 30u);
}

TEST(RangeExportTest, UnboundedEndDeletesEverythingAfterTheBegin) {
  MemEngine source;
  env::WriteBatch batch;
  batch.Put(Cf::kRaft, "m", "new");
  MustWrite(source, batch);
  auto stream = ExportRangeToString(
      source.NewSnapshot(),
      {.cfs = {Cf::kRaft}, .begin_key = "m", .end_key = ""}, 1 << 20);
  ASSERT_TRUE(stream.ok());
  MemEngine target;
  env::WriteBatch old;
  old.Put(Cf::kRaft, "a", "kept");
  old.Put(Cf::kRaft, "z\xff\xff", "stale");
  MustWrite(target, old);
  ASSERT_TRUE(IngestRange(target, *stream, {}).ok());
  EXPECT_EQ(*target.Get(Cf::kRaft, "a"), "kept");
  EXPECT_EQ(*target.Get(Cf::kRaft, "m"), "new");
  EXPECT_EQ(*target.Get(Cf::kRaft, "z\xff\xff"), std::nullopt);
}

TEST(RangeExportTest, EmptyRangeRoundTrips) {
  MemEngine source;
  auto stream = ExportRangeToString(
      source.NewSnapshot(),
      {.cfs = {Cf::kDefault}, .begin_key = "a", .end_key = ""}, 16);
  ASSERT_TRUE(stream.ok());
  EXPECT_TRUE(IngestFresh(*stream).ok());
}

// Every proper prefix of a stream fails (a cut chunk is kDataLoss, a stream
// without its trailer too), and so does every single-bit flip.
TEST(RangeExportTest, TruncationsAndBitFlipsAreRejected) {
  MemEngine source;
  env::WriteBatch batch;
  for (int i = 0; i < 6; ++i) {
    batch.Put(Cf::kLock, "key" + std::to_string(i), "value");
  }
  MustWrite(source, batch);
  auto stream = ExportRangeToString(
      source.NewSnapshot(),
      {.cfs = {Cf::kLock, Cf::kWrite}, .begin_key = "", .end_key = ""}, 20);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(IngestFresh(*stream).ok());
  for (size_t length = 0; length < stream->size(); ++length) {
    const absl::Status s = IngestFresh(stream->substr(0, length));
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << length << ": " << s;
  }
  for (size_t bit = 0; bit < 8 * stream->size(); ++bit) {
    std::string flipped = *stream;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const absl::Status s = IngestFresh(flipped);
    EXPECT_FALSE(s.ok()) << "bit " << bit;
    EXPECT_TRUE(s.code() == absl::StatusCode::kDataLoss ||
                s.code() == absl::StatusCode::kInvalidArgument)
        << s;
  }
}

TEST(RangeExportTest, ReorderedDuplicatedOrMissingChunksAreInvalid) {
  MemEngine source;
  env::WriteBatch batch;
  for (int i = 0; i < 6; ++i) {
    batch.Put(Cf::kDefault, "key" + std::to_string(i), "value");
  }
  MustWrite(source, batch);
  std::vector<std::string> chunks = Chunks(
      source, {.cfs = {Cf::kDefault}, .begin_key = "", .end_key = ""}, 16);
  ASSERT_GE(chunks.size(), 4u);
  std::vector<std::string> swapped = chunks;
  std::swap(swapped[1], swapped[2]);
  std::vector<std::string> duplicated = chunks;
  duplicated.insert(duplicated.begin() + 1, chunks[1]);
  std::vector<std::string> missing = chunks;
  missing.erase(missing.begin() + 1);
  std::vector<std::string> headless(chunks.begin() + 1, chunks.end());
  std::vector<std::string> extra = chunks;
  extra.push_back(chunks.back());
  for (const auto& bad : {swapped, duplicated, missing, headless, extra}) {
    EXPECT_EQ(IngestFresh(Join(bad)).code(),
              absl::StatusCode::kInvalidArgument);
  }
  RangeIngester ingester;
  EXPECT_FALSE(ingester.Add(Join(swapped)).ok());
  EXPECT_FALSE(ingester.Add(chunks.back()).ok()) << "errors are sticky";
}

TEST(RangeExportTest, CorruptSourceValueFailsTheExport) {
  MemEngine source;
  env::WriteBatch batch;
  batch.Put(Cf::kWrite, "a", "good");
  batch.Put(Cf::kWrite, "b", "damaged");
  MustWrite(source, batch);
  ASSERT_TRUE(source.CorruptValue(Cf::kWrite, "b"));
  auto stream = ExportRangeToString(
      source.NewSnapshot(),
      {.cfs = {Cf::kWrite}, .begin_key = "", .end_key = ""}, 1 << 20);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace core::engine
