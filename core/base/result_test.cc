// Result<T, E> carries either a value or a typed protocol error.
#include "core/base/result.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "core/base/status_macros.h"

namespace core::base {
namespace {

struct KeyIsLocked {
  std::string key;
};
struct WriteConflict {
  uint64_t conflict_commit_ts;
};
using TxnError = std::variant<KeyIsLocked, WriteConflict>;

Result<uint64_t, TxnError> CommitAt(uint64_t commit_ts, bool locked) {
  if (locked) return MakeErr(TxnError(KeyIsLocked{"k1"}));
  return commit_ts;
}

TEST(ResultTest, HoldsValue) {
  auto result = CommitAt(42, false);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), 42u);
  EXPECT_EQ(*result, 42u);
}

TEST(ResultTest, HoldsTypedErrorWithData) {
  auto result = CommitAt(42, true);
  ASSERT_FALSE(result.ok());
  ASSERT_TRUE(std::holds_alternative<KeyIsLocked>(result.error()));
  EXPECT_EQ(std::get<KeyIsLocked>(result.error()).key, "k1");
}

TEST(ResultTest, SameValueAndErrorTypeAreDistinguished) {
  Result<int, int> value(7);
  Result<int, int> error(MakeErr(7));
  EXPECT_TRUE(value.ok());
  EXPECT_FALSE(error.ok());
}

TEST(ResultDeathTest, ValueOfErrorIsAnInvariantBreak) {
  auto result = CommitAt(1, true);
  EXPECT_DEATH((void)result.value(), "value\\(\\) on an error");
}

absl::StatusOr<int> Parse(bool ok) {
  if (!ok) return absl::InvalidArgumentError("bad");
  return 3;
}

absl::Status UseParse(bool ok, int* out) {
  ASSIGN_OR_RETURN(int value, Parse(ok));
  RETURN_IF_ERROR(absl::OkStatus());
  *out = value;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  int out = 0;
  EXPECT_TRUE(UseParse(true, &out).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(UseParse(false, &out).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace core::base
