// ParseInteger: whole-text decimal only, ranges inclusive, and a value that
// does not fit the type is refused rather than wrapped (issue 22: a seed
// range past 2^64 once parsed as 2^64 - 1 and swept forever).
#include "core/base/numbers.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace core::base {
namespace {

TEST(NumbersTest, AcceptsWholeDecimalText) {
  EXPECT_EQ(ParseInteger<int64_t>("0"), 0);
  EXPECT_EQ(ParseInteger<int64_t>("-42"), -42);
  EXPECT_EQ(ParseInteger<int>("007"), 7);
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseInteger<int64_t>("-9223372036854775808"), INT64_MIN);
}

TEST(NumbersTest, RefusesEverythingElse) {
  for (const char* text :
       {"", " 1", "1 ", "+1", "0x10", "1e3", "1.0", "--1", "-", "12a"}) {
    EXPECT_FALSE(ParseInteger<int64_t>(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseInteger<int64_t>(std::string_view("1\0", 2)).has_value());
  EXPECT_FALSE(ParseInteger<uint64_t>("-1").has_value());
  EXPECT_FALSE(ParseInteger<uint64_t>("18446744073709551616").has_value());
  EXPECT_FALSE(ParseInteger<int64_t>("9223372036854775808").has_value());
  EXPECT_FALSE(ParseInteger<int>("2147483648").has_value());
}

TEST(NumbersTest, RangeIsInclusive) {
  EXPECT_EQ(ParseInteger<int>("1", 1, 9), 1);
  EXPECT_EQ(ParseInteger<int>("9", 1, 9), 9);
  EXPECT_FALSE(ParseInteger<int>("0", 1, 9).has_value());
  EXPECT_FALSE(ParseInteger<int>("10", 1, 9).has_value());
  EXPECT_FALSE(ParseInteger<int>("-1", 1, 9).has_value());
}

}  // namespace
}  // namespace core::base
