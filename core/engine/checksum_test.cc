// CRC-64/XZ (the ECMA-182 polynomial), as TiKV's RawChecksum computes it
// through crc64fast::Digest. Ref: crc64fast's documented example; the
// catalogue check value of CRC-64/XZ.
#include <gtest/gtest.h>

#include <string>

#include "core/engine/checksum.h"

namespace core::engine {
namespace {

TEST(Crc64EcmaTest, KnownVectors) {
  EXPECT_EQ(Crc64Ecma(""), 0u);
  EXPECT_EQ(Crc64Ecma("123456789"), 0x995dc9bbdf1939faULL);
  // crc64fast's README: Digest fed "hello " then "world!".
  EXPECT_EQ(Crc64Ecma("hello world!"), 0x8483c0fa32607d61ULL);
}

TEST(Crc64EcmaTest, ContinuingEqualsOneShot) {
  EXPECT_EQ(Crc64Ecma("world!", Crc64Ecma("hello ")),
            Crc64Ecma("hello world!"));
  EXPECT_EQ(Crc64Ecma("", Crc64Ecma("abc")), Crc64Ecma("abc"));
  EXPECT_NE(Crc64Ecma("ab"), Crc64Ecma("ba"));
}

}  // namespace
}  // namespace core::engine
