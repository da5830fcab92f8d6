// Hand-written transactional histories, one per anomaly, in the shapes used
// by Elle's tests and elle-cli's test-data. Each cites its definition: Adya
// "Weak Consistency" (1999) §4 and Elle (VLDB 2020) §3-5.
#include "jepsen/elle/elle.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "jepsen/history/edn.h"

namespace jepsen::elle {
namespace {

using history::OpType;
using history::Value;

Value Edn(std::string_view text) {
  absl::StatusOr<std::vector<Value>> forms = history::ParseEdn(text);
  EXPECT_TRUE(forms.ok() && forms->size() == 1) << text;
  return forms.ok() && !forms->empty() ? (*forms)[0] : Value();
}

// Builds histories: Txn() runs one transaction to completion; Invoke() and
// Complete() interleave them.
class Builder {
 public:
  Builder& Invoke(int p, std::string_view txn) {
    h_.Invoke(p, "txn", Edn(txn));
    return *this;
  }
  Builder& Complete(int p, std::string_view txn, OpType type = OpType::kOk) {
    h_.Complete(p, type, "txn", Edn(txn));
    return *this;
  }
  Builder& Txn(int p, std::string_view txn, OpType type = OpType::kOk) {
    return Invoke(p, txn).Complete(p, txn, type);
  }
  const history::History& history() const { return h_; }

 private:
  history::History h_;
};

Result CheckTxns(const Builder& b,
                 ConsistencyModel model = ConsistencyModel::kStrictSerializable,
                 Workload workload = Workload::kListAppend) {
  Options options;
  options.workload = workload;
  options.model = model;
  absl::StatusOr<Result> r = Check(b.history(), options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Result();
}

bool Has(const Result& r, std::string_view type) {
  return std::find(r.anomaly_types.begin(), r.anomaly_types.end(), type) !=
         r.anomaly_types.end();
}

const Anomaly* Find(const Result& r, std::string_view type) {
  for (const Anomaly& a : r.anomalies) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

TEST(ListAppendTest, SerialHistoryIsValid) {
  Builder b;
  b.Txn(0, "[[:append :x 1] [:r :x [1]]]")
      .Txn(1, "[[:r :x [1]] [:append :x 2] [:append :y 1]]")
      .Txn(0, "[[:r :x [1 2]] [:r :y [1]]]");
  Result r = CheckTxns(b);
  EXPECT_TRUE(r.valid) << r.explanation;
  EXPECT_TRUE(r.anomaly_types.empty());
  EXPECT_TRUE(r.not_models.empty());
  EXPECT_EQ(r.transactions, 3u);
}

// Ref: Adya §4.1.1 G0 (write cycles): T1 and T2 install x and y in
// opposite orders.
TEST(ListAppendTest, G0WriteCycle) {
  Builder b;
  b.Invoke(0, "[[:append :x 1] [:append :y 1]]")
      .Invoke(1, "[[:append :x 2] [:append :y 2]]")
      .Complete(0, "[[:append :x 1] [:append :y 1]]")
      .Complete(1, "[[:append :x 2] [:append :y 2]]")
      .Txn(2, "[[:r :x [1 2]] [:r :y [2 1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "G0")) << r.explanation;
  const Anomaly* g0 = Find(r, "G0");
  ASSERT_EQ(g0->cycle.size(), 2u);
  EXPECT_EQ(g0->cycle[0].edge, "ww");
  EXPECT_EQ(g0->cycle[1].edge, "ww");
  EXPECT_NE(g0->explanation.find("appended"), std::string::npos)
      << g0->explanation;
  EXPECT_EQ(r.not_models,
            (std::vector<std::string>{"snapshot-isolation", "serializable",
                                      "strict-serializable"}));
}

// Ref: Adya §4.1.2 G1a (aborted reads).
TEST(ListAppendTest, G1aAbortedRead) {
  Builder b;
  b.Txn(0, "[[:append :x 1]]", OpType::kFail).Txn(1, "[[:r :x [1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "G1a")) << r.explanation;
  EXPECT_EQ(Find(r, "G1a")->ops, (std::vector<size_t>{1, 3}));
}

// Ref: Adya §4.1.2 G1b (intermediate reads).
TEST(ListAppendTest, G1bIntermediateRead) {
  Builder b;
  b.Invoke(0, "[[:append :x 1] [:append :x 2]]")
      .Txn(1, "[[:r :x [1]]]")
      .Complete(0, "[[:append :x 1] [:append :x 2]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "G1b")) << r.explanation;
}

// Ref: Adya §4.1.3 G1c (circular information flow): each reads the other.
TEST(ListAppendTest, G1cCircularInformationFlow) {
  Builder b;
  b.Invoke(0, "[[:append :x 1] [:r :y nil]]")
      .Invoke(1, "[[:append :y 1] [:r :x nil]]")
      .Complete(0, "[[:append :x 1] [:r :y [1]]]")
      .Complete(1, "[[:append :y 1] [:r :x [1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "G1c")) << r.explanation;
  const Anomaly* g1c = Find(r, "G1c");
  EXPECT_EQ(g1c->cycle[0].edge, "wr");
  EXPECT_EQ(g1c->cycle[1].edge, "wr");
}

// Ref: Adya §4.2.1 G-single (read skew): T2 sees T1's y but not its x.
TEST(ListAppendTest, GSingleReadSkew) {
  Builder b;
  b.Invoke(0, "[[:append :x 1] [:append :y 1]]")
      .Invoke(1, "[[:r :x nil] [:r :y nil]]")
      .Complete(0, "[[:append :x 1] [:append :y 1]]")
      .Complete(1, "[[:r :x []] [:r :y [1]]]")
      .Txn(2, "[[:r :x [1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "G-single")) << r.explanation;
  const Anomaly* g = Find(r, "G-single");
  int rw = 0;
  for (const CycleStep& s : g->cycle) rw += s.edge == "rw" ? 1 : 0;
  EXPECT_EQ(rw, 1);
}

// Ref: Adya §4.2.2 G2-item (write skew): allowed by snapshot isolation,
// proscribed by serializability.
TEST(ListAppendTest, G2ItemWriteSkew) {
  Builder b;
  b.Invoke(0, "[[:r :x nil] [:r :y nil] [:append :x 1]]")
      .Invoke(1, "[[:r :x nil] [:r :y nil] [:append :y 1]]")
      .Complete(0, "[[:r :x []] [:r :y []] [:append :x 1]]")
      .Complete(1, "[[:r :x []] [:r :y []] [:append :y 1]]")
      .Txn(2, "[[:r :x [1]] [:r :y [1]]]");
  Result si = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_TRUE(si.valid) << si.explanation;
  EXPECT_TRUE(Has(si, "G2-item")) << si.explanation;
  EXPECT_EQ(si.not_models,
            (std::vector<std::string>{"serializable", "strict-serializable"}));
  Result ser = CheckTxns(b, ConsistencyModel::kSerializable);
  EXPECT_FALSE(ser.valid);
}

// Ref: Elle §5.1; Berenson et al. "A Critique of ANSI SQL Isolation Levels"
// P4 (lost update): both read x = [] and both append.
TEST(ListAppendTest, LostUpdate) {
  Builder b;
  b.Invoke(0, "[[:r :x nil] [:append :x 1]]")
      .Invoke(1, "[[:r :x nil] [:append :x 2]]")
      .Complete(0, "[[:r :x []] [:append :x 1]]")
      .Complete(1, "[[:r :x []] [:append :x 2]]")
      .Txn(2, "[[:r :x [1 2]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "lost-update")) << r.explanation;
  EXPECT_EQ(Find(r, "lost-update")->ops.size(), 2u);
}

// Ref: Elle §5.1 internal consistency.
TEST(ListAppendTest, InternalInconsistency) {
  Builder b;
  b.Txn(0, "[[:append :x 1] [:r :x []]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(Has(r, "internal"));
  EXPECT_NE(Find(r, "internal")->explanation.find("a list ending in [1]"),
            std::string::npos);
}

TEST(ListAppendTest, DuplicateElements) {
  Builder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:r :x [1 1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "duplicate-elements")) << r.explanation;
}

// Ref: Elle §3.3: reads that are not prefixes of one another.
TEST(ListAppendTest, IncompatibleOrder) {
  Builder b;
  b.Txn(0, "[[:append :x 1]]")
      .Txn(1, "[[:append :x 2]]")
      .Txn(2, "[[:r :x [1 2]]]")
      .Txn(3, "[[:r :x [2 1]]]");
  Result r = CheckTxns(b, ConsistencyModel::kSnapshotIsolation);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "incompatible-order")) << r.explanation;
}

TEST(ListAppendTest, GarbageRead) {
  Builder b;
  b.Txn(0, "[[:r :x [7]]]");
  EXPECT_TRUE(Has(CheckTxns(b), "garbage-read"));
}

// A stale read: serializable (T2 can go first) but not strict
// serializable: T1 completed before T2 began. Ref: Elle §3.5.
TEST(ListAppendTest, StaleReadIsARealtimeCycle) {
  Builder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:r :x []]]").Txn(2, "[[:r :x [1]]]");
  Result ser = CheckTxns(b, ConsistencyModel::kSerializable);
  EXPECT_TRUE(ser.valid) << ser.explanation;
  Result strict = CheckTxns(b, ConsistencyModel::kStrictSerializable);
  EXPECT_FALSE(strict.valid);
  ASSERT_TRUE(Has(strict, "G-single-realtime")) << strict.explanation;
  EXPECT_EQ(strict.not_models,
            (std::vector<std::string>{"strict-serializable"}));
  const Anomaly* a = Find(strict, "G-single-realtime");
  EXPECT_NE(
      a->explanation.find("completed (op #1) before T3 was invoked (op #2)"),
      std::string::npos)
      << a->explanation;
}

TEST(ListAppendTest, SameProcessStaleReadIsAProcessCycle) {
  Builder b;
  b.Invoke(0, "[[:append :x 1]]")
      .Invoke(1, "[[:r :x nil]]")
      .Complete(0, "[[:append :x 1]]")
      .Invoke(0, "[[:r :x nil]]")
      .Complete(1, "[[:r :x [1]]]")
      .Complete(0, "[[:r :x []]]");
  Result r = CheckTxns(b);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "G-single-process")) << r.explanation;
}

// :info transactions may have committed: their appends explain reads.
TEST(ListAppendTest, InfoTransactionsMayCommit) {
  Builder b;
  b.Invoke(0, "[[:append :x 1]]")
      .Complete(0, "[[:append :x 1]]", OpType::kInfo)
      .Txn(1, "[[:r :x [1]]]");
  EXPECT_TRUE(CheckTxns(b).valid);
}

TEST(ListAppendTest, ErrorsNameTheLine) {
  Options options;
  Builder dup;
  dup.Txn(0, "[[:append :x 1]]").Txn(1, "[[:append :x 1]]");
  EXPECT_EQ(Check(dup.history(), options).status().message(),
            "op #3: value 1 is appended to key ':x' twice (also by op #1); "
            "list-append needs "
            "unique values per key");
  Builder bad;
  bad.Txn(0, "[[:append :x \"a\"]]");
  EXPECT_EQ(Check(bad.history(), options).status().message(),
            "op #1: written values must be integers, got '\"a\"'");
  Builder shape;
  shape.Txn(0, "[[:append :x]]");
  EXPECT_EQ(Check(shape.history(), options).status().message(),
            "op #1: micro-op must be [f key value], got '[:append :x]'");
  history::History registers;
  registers.Invoke(0, "read");
  registers.Complete(0, OpType::kOk, "read", Value::Int(1));
  EXPECT_EQ(
      Check(registers, options).status().message(),
      "op #0: no :txn operations in this history (is it transactional? use "
      "a linearizability model otherwise)");
  Builder wrong;
  wrong.Txn(0, "[[:w :x 1]]");
  EXPECT_EQ(Check(wrong.history(), options).status().message(),
            "op #1: unknown micro-op ':w' for list-append (expected :append or "
            ":r)");
}

// ---- rw-register ----

Result RunRw(const Builder& b,
             ConsistencyModel model = ConsistencyModel::kSnapshotIsolation) {
  return CheckTxns(b, model, Workload::kRwRegister);
}

TEST(RwRegisterTest, SerialHistoryIsValid) {
  Builder b;
  b.Txn(0, "[[:r :x nil] [:w :x 1]]")
      .Txn(1, "[[:r :x 1] [:w :x 2]]")
      .Txn(0, "[[:r :x 2]]");
  Result r = RunRw(b, ConsistencyModel::kStrictSerializable);
  EXPECT_TRUE(r.valid) << r.explanation;
}

TEST(RwRegisterTest, G1aG1bAndInternal) {
  Builder g1a;
  g1a.Txn(0, "[[:w :x 1]]", OpType::kFail).Txn(1, "[[:r :x 1]]");
  EXPECT_TRUE(Has(RunRw(g1a), "G1a"));
  Builder g1b;
  g1b.Invoke(0, "[[:w :x 1] [:w :x 2]]")
      .Txn(1, "[[:r :x 1]]")
      .Complete(0, "[[:w :x 1] [:w :x 2]]");
  EXPECT_TRUE(Has(RunRw(g1b), "G1b"));
  Builder internal;
  internal.Txn(0, "[[:w :x 1] [:r :x 2]]").Txn(1, "[[:w :x 2]]");
  EXPECT_TRUE(Has(RunRw(internal), "internal"));
}

// Ref: Adya §4.2.1: read skew with registers; nil precedes every write.
TEST(RwRegisterTest, GSingle) {
  Builder b;
  b.Invoke(0, "[[:w :x 1] [:w :y 1]]")
      .Invoke(1, "[[:r :x nil] [:r :y nil]]")
      .Complete(0, "[[:w :x 1] [:w :y 1]]")
      .Complete(1, "[[:r :x nil] [:r :y 1]]");
  Result r = RunRw(b);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "G-single")) << r.explanation;
}

TEST(RwRegisterTest, WriteSkewAllowedUnderSI) {
  Builder b;
  b.Invoke(0, "[[:r :x nil] [:r :y nil] [:w :x 1]]")
      .Invoke(1, "[[:r :x nil] [:r :y nil] [:w :y 1]]")
      .Complete(0, "[[:r :x nil] [:r :y nil] [:w :x 1]]")
      .Complete(1, "[[:r :x nil] [:r :y nil] [:w :y 1]]");
  Result si = RunRw(b);
  EXPECT_TRUE(si.valid) << si.explanation;
  EXPECT_TRUE(Has(si, "G2-item")) << si.explanation;
  EXPECT_FALSE(RunRw(b, ConsistencyModel::kSerializable).valid);
}

TEST(RwRegisterTest, LostUpdate) {
  Builder b;
  b.Invoke(0, "[[:r :x nil] [:w :x 1]]")
      .Invoke(1, "[[:r :x nil] [:w :x 2]]")
      .Complete(0, "[[:r :x nil] [:w :x 1]]")
      .Complete(1, "[[:r :x nil] [:w :x 2]]");
  Result r = RunRw(b);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(Has(r, "lost-update")) << r.explanation;
}

TEST(ModelTest, Proscribes) {
  EXPECT_FALSE(Proscribes(ConsistencyModel::kSnapshotIsolation, "G2-item"));
  EXPECT_TRUE(Proscribes(ConsistencyModel::kSnapshotIsolation, "G-single"));
  EXPECT_TRUE(Proscribes(ConsistencyModel::kSnapshotIsolation, "lost-update"));
  EXPECT_FALSE(
      Proscribes(ConsistencyModel::kSerializable, "G-single-realtime"));
  EXPECT_TRUE(Proscribes(ConsistencyModel::kSerializable, "G2-item"));
  EXPECT_TRUE(
      Proscribes(ConsistencyModel::kStrictSerializable, "G2-item-process"));
}

}  // namespace
}  // namespace jepsen::elle
