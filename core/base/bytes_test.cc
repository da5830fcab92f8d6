// Byte helpers: golden encodings, round trips, order preservation, and safe
// failure on truncated input.
#include "core/base/bytes.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace core::base {
namespace {

TEST(BytesTest, BigEndianGoldenBytes) {
  Bytes out;
  PutFixed64BigEndian(&out, 0x0102030405060708ULL);
  EXPECT_EQ(HexEncode(out), "0102030405060708");
  out.clear();
  PutFixed32BigEndian(&out, 0xdeadbeef);
  EXPECT_EQ(HexEncode(out), "deadbeef");
}

TEST(BytesTest, LittleEndianGoldenBytes) {
  Bytes out;
  PutFixed32LittleEndian(&out, 0x01020304);
  EXPECT_EQ(HexEncode(out), "04030201");
}

TEST(BytesTest, VarintGoldenBytes) {
  Bytes out;
  PutVarint64(&out, 300);
  EXPECT_EQ(HexEncode(out), "ac02");
  out.clear();
  PutVarint64(&out, UINT64_MAX);
  EXPECT_EQ(HexEncode(out), "ffffffffffffffffff01");
}

TEST(BytesTest, DecodersRejectTruncatedInputAndKeepIt) {
  BytesView in("\x01\x02\x03", 3);
  uint64_t value = 0;
  EXPECT_FALSE(GetFixed64BigEndian(&in, &value));
  EXPECT_EQ(in.size(), 3u);
  BytesView varint("\x80\x80", 2);
  EXPECT_FALSE(GetVarint64(&varint, &value));
  BytesView prefixed(
      "\x05"
      "abc",
      4);
  BytesView payload;
  EXPECT_FALSE(GetLengthPrefixed(&prefixed, &payload));
  EXPECT_EQ(prefixed.size(), 4u);
}

TEST(BytesTest, VarintRejectsOverlongEncoding) {
  Bytes overlong(10, '\xff');
  overlong.push_back('\x01');
  BytesView in(overlong);
  uint64_t value = 0;
  EXPECT_FALSE(GetVarint64(&in, &value));
}

TEST(BytesTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(Bytes("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(Bytes("\xff\xff", 2)), "");
  EXPECT_EQ(NextKey("a"), Bytes("a\0", 2));
}

TEST(BytesTest, EscapeAndHex) {
  EXPECT_EQ(EscapeBytes(Bytes("k\x00\xff\\", 4)), "k\\x00\\xff\\x5c");
  Bytes decoded;
  EXPECT_TRUE(HexDecode("00ff7A", &decoded));
  EXPECT_EQ(decoded, Bytes("\x00\xff\x7a", 3));
  EXPECT_FALSE(HexDecode("0", &decoded));
  EXPECT_FALSE(HexDecode("zz", &decoded));
}

TEST(BytesTest, QuoteExcerptEscapesAndCuts) {
  EXPECT_EQ(QuoteExcerpt("abc"), "'abc'");
  EXPECT_EQ(QuoteExcerpt(Bytes("a\x00'\\\n", 5)), "'a\\x00\\x27\\x5c\\x0a'");
  EXPECT_EQ(QuoteExcerpt("abcdef", 3), "'abc'...(6 bytes)");
  EXPECT_EQ(QuoteExcerpt("abc", 3), "'abc'");
  // Issue 22: a 20 MB token is quoted in a few dozen bytes.
  const Bytes token(20 * 1000 * 1000, '7');
  const std::string quoted = QuoteExcerpt(token);
  EXPECT_EQ(quoted, "'" + Bytes(kExcerptBytes, '7') + "'...(20000000 bytes)");
}

// Whatever the input, the excerpt is short, printable and unambiguous:
// only its two quotes are quote characters.
RC_GTEST_PROP(BytesProperty, QuoteExcerptIsShortAndPrintable,
              (const Bytes& bytes)) {
  const std::string quoted = QuoteExcerpt(bytes);
  RC_ASSERT(quoted.size() <= 2 + 4 * kExcerptBytes + 30);
  for (char c : quoted) RC_ASSERT(c >= 0x20 && c < 0x7f);
  RC_ASSERT(quoted.front() == '\'');
  RC_ASSERT(quoted.find('\'', 1) == quoted.rfind('\''));
  if (bytes.size() <= kExcerptBytes) RC_ASSERT(quoted.back() == '\'');
}

RC_GTEST_PROP(BytesProperty, BigEndianPreservesOrder,
              (uint64_t a, uint64_t b)) {
  Bytes ea, eb;
  PutFixed64BigEndian(&ea, a);
  PutFixed64BigEndian(&eb, b);
  RC_ASSERT((a < b) == (ea < eb));
}

RC_GTEST_PROP(BytesProperty, VarintRoundTrips,
              (uint64_t value, std::string tail)) {
  Bytes encoded;
  PutVarint64(&encoded, value);
  encoded += tail;
  BytesView in(encoded);
  uint64_t decoded = 0;
  RC_ASSERT(GetVarint64(&in, &decoded));
  RC_ASSERT(decoded == value);
  RC_ASSERT(in == tail);
}

RC_GTEST_PROP(BytesProperty, LengthPrefixedRoundTrips,
              (std::string a, std::string b)) {
  Bytes encoded;
  PutLengthPrefixed(&encoded, a);
  PutLengthPrefixed(&encoded, b);
  BytesView in(encoded), da, db;
  RC_ASSERT(GetLengthPrefixed(&in, &da));
  RC_ASSERT(GetLengthPrefixed(&in, &db));
  RC_ASSERT(da == a && db == b && in.empty());
}

RC_GTEST_PROP(BytesProperty, HexRoundTrips, (std::string bytes)) {
  Bytes decoded;
  RC_ASSERT(HexDecode(HexEncode(bytes), &decoded));
  RC_ASSERT(decoded == bytes);
}

RC_GTEST_PROP(BytesProperty, PrefixSuccessorBoundsThePrefix,
              (std::string prefix, std::string suffix)) {
  Bytes successor = PrefixSuccessor(prefix);
  RC_PRE(!successor.empty());
  RC_ASSERT(prefix + suffix < successor);
}

}  // namespace
}  // namespace core::base
