// Pairing invocations with completions, with Jepsen's meaning of :fail and
// :info (Ref: Knossos README, "History"), and clear errors for histories that
// break the one-pending-op-per-process rule.
#include "jepsen/history/history.h"

#include <gtest/gtest.h>

#include "jepsen/history/readers.h"

namespace jepsen::history {
namespace {

History Parse(std::string_view edn) {
  absl::StatusOr<History> h = ParseEdnHistory(edn);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : History();
}

TEST(HistoryTest, PairsByProcessInInvocationOrder) {
  History h = Parse(
      "{:process 0 :type :invoke :f :read :value nil}\n"
      "{:process 1 :type :invoke :f :write :value 3}\n"
      "{:process 1 :type :ok :f :write :value 3}\n"
      "{:process 0 :type :ok :f :read :value 3}\n");
  absl::StatusOr<std::vector<Operation>> ops = PairOperations(h);
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].f(), "read");
  EXPECT_EQ((*ops)[0].input(), Value::Nil());
  EXPECT_EQ((*ops)[0].output(), Value::Int(3));
  EXPECT_EQ((*ops)[0].invoke, 0u);
  EXPECT_EQ((*ops)[0].complete, 3u);
  EXPECT_EQ((*ops)[1].outcome, Outcome::kOk);
}

TEST(HistoryTest, InfoStaysOpenAndFailIsMarked) {
  History h = Parse(
      "{:process 0 :type :invoke :f :write :value 1}\n"
      "{:process 0 :type :info :f :write :value 1}\n"
      "{:process 1 :type :invoke :f :write :value 2}\n"
      "{:process 1 :type :fail :f :write :value 2}\n"
      "{:process 2 :type :invoke :f :write :value 3}\n");
  absl::StatusOr<std::vector<Operation>> ops = PairOperations(h);
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].outcome, Outcome::kInfo);
  EXPECT_EQ((*ops)[0].complete, Operation::kOpen);
  EXPECT_EQ((*ops)[1].outcome, Outcome::kFail);
  EXPECT_EQ((*ops)[2].outcome, Outcome::kInfo);  // never completed
}

TEST(HistoryTest, ErrorsNameTheLine) {
  History orphan = Parse("{:process 4 :type :ok :f :read :value 1}");
  EXPECT_EQ(PairOperations(orphan).status().message(),
            "line 1: :ok for process 4 has no pending invocation");
  History twice = Parse(
      "{:process 4 :type :invoke :f :read}\n{:process 4 :type :invoke :f "
      ":write}");
  EXPECT_EQ(
      PairOperations(twice).status().message(),
      "line 2: process 4 invokes ':write' while its ':read' from line 1 is "
      "still pending");
  History mismatch = Parse(
      "{:process 4 :type :invoke :f :read}\n{:process 4 :type :ok :f :write}");
  EXPECT_EQ(PairOperations(mismatch).status().message(),
            "line 2: completion ':write' of process 4 does not match its "
            "invocation ':read' at "
            "line 1");
}

TEST(HistoryTest, BuilderSetsIndexes) {
  History h;
  h.Invoke(1, "read");
  h.Complete(1, OpType::kOk, "read", Value::Int(5));
  EXPECT_EQ(h.ops[1].index, 1);
  EXPECT_EQ(DescribeOpPosition(h, 1), "op #1");
}

}  // namespace
}  // namespace jepsen::history
