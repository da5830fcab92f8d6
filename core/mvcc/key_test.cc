// Memcomparable key encoding and the descending timestamp suffix.
// Ref: tikv components/codec/src/byte.rs tests, txn_types/src/types.rs.
#include "core/mvcc/key.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace core::mvcc {
namespace {

Bytes B(std::initializer_list<int> bytes) {
  Bytes out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// DO NOT CHANGE: persisted. These bytes are TiKV's; changing them breaks every
// existing data directory and interoperability with TiKV tools.
TEST(KeyGoldenTest, MemcomparableGroups) {
  EXPECT_EQ(Key::FromRaw("").encoded(), B({0, 0, 0, 0, 0, 0, 0, 0, 0xF7}));
  EXPECT_EQ(Key::FromRaw(B({1, 2, 3})).encoded(),
            B({1, 2, 3, 0, 0, 0, 0, 0, 0xFA}));
  EXPECT_EQ(Key::FromRaw(B({1, 2, 3, 4, 5, 6, 7, 8})).encoded(),
            B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0xF7}));
  EXPECT_EQ(Key::FromRaw(B({1, 2, 3, 4, 5, 6, 7, 8, 9})).encoded(),
            B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 9, 0, 0, 0, 0, 0, 0, 0, 0xF8}));
}

// DO NOT CHANGE: persisted.
TEST(KeyGoldenTest, DescendingTimestampSuffix) {
  const Key key = Key::FromRaw("abc");
  EXPECT_EQ(key.AppendTs(base::TimeStamp(5)),
            B({'a', 'b', 'c', 0, 0, 0, 0, 0, 0xFA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
               0xFF, 0xFF, 0xFA}));
  EXPECT_EQ(key.AppendTs(base::TimeStamp::Zero()).substr(9), Bytes(8, '\xFF'));
  EXPECT_EQ(key.AppendTs(base::TimeStamp::Max()).substr(9), Bytes(8, '\0'));
}

TEST(KeyTest, SplitVersionKeyRoundTrips) {
  const Key key = Key::FromRaw("hello world!");
  auto split = Key::SplitVersionKey(key.AppendTs(base::TimeStamp(42)));
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->first, key);
  EXPECT_EQ(split->second, base::TimeStamp(42));
  EXPECT_TRUE(key.IsVersionOf(key.AppendTs(base::TimeStamp(1))));
  EXPECT_FALSE(key.IsVersionOf(key.encoded()));
  EXPECT_FALSE(
      Key::FromRaw("hello").IsVersionOf(key.AppendTs(base::TimeStamp(1))));
}

TEST(KeyTest, DecoderRejectsMalformedBytes) {
  // Truncated group.
  EXPECT_FALSE(Key::FromEncoded(B({1, 2, 3})).ToRaw().ok());
  // Marker says 9 bytes of padding.
  EXPECT_FALSE(
      Key::FromEncoded(B({0, 0, 0, 0, 0, 0, 0, 0, 0xF6})).ToRaw().ok());
  // Non-zero padding.
  EXPECT_FALSE(
      Key::FromEncoded(B({1, 2, 3, 0, 0, 9, 0, 0, 0xFA})).ToRaw().ok());
  // Trailing bytes after a complete key.
  Bytes trailing = Key::FromRaw("a").encoded() + "x";
  EXPECT_FALSE(Key::FromEncoded(trailing).ToRaw().ok());
  // A full group with no final group.
  EXPECT_FALSE(
      Key::FromEncoded(B({1, 2, 3, 4, 5, 6, 7, 8, 0xFF})).ToRaw().ok());
  EXPECT_FALSE(Key::SplitVersionKey("short").ok());
}

RC_GTEST_PROP(KeyProperty, EncodingRoundTripsAndHasPredictedSize,
              (const std::string& raw)) {
  const Key key = Key::FromRaw(raw);
  RC_ASSERT(key.encoded().size() == EncodedBytesSize(raw.size()));
  auto decoded = key.ToRaw();
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == raw);
}

// Memcomparable: byte order of encodings equals byte order of raw keys, and
// every version of a smaller key sorts before any larger key.
RC_GTEST_PROP(KeyProperty, EncodingPreservesOrder,
              (const std::string& a, const std::string& b, uint64_t ts)) {
  const Key ka = Key::FromRaw(a);
  const Key kb = Key::FromRaw(b);
  RC_ASSERT((a < b) == (ka.encoded() < kb.encoded()));
  RC_ASSERT((a == b) == (ka.encoded() == kb.encoded()));
  if (a < b) RC_ASSERT(ka.AppendTs(base::TimeStamp(ts)) < kb.encoded());
}

RC_GTEST_PROP(KeyProperty, NewerVersionsSortFirst,
              (const std::string& raw, uint64_t t1, uint64_t t2)) {
  const Key key = Key::FromRaw(raw);
  RC_PRE(t1 != t2);
  RC_ASSERT((t1 > t2) == (key.AppendTs(base::TimeStamp(t1)) <
                          key.AppendTs(base::TimeStamp(t2))));
}

}  // namespace
}  // namespace core::mvcc
