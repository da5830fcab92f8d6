// Hand-written histories for every model, each small enough to check by
// hand. Ref: Herlihy & Wing, "Linearizability" (TOPLAS 1990) §2 for the
// definition; Knossos README for :fail/:info; Porcupine's etcd model for a
// failed CAS read as an observation.
#include "jepsen/linear/linear.h"

#include <gtest/gtest.h>

#include "jepsen/history/readers.h"

namespace jepsen::linear {
namespace {

using history::Value;

Result CheckEdn(std::string_view edn, ModelOptions model,
                CheckOptions options = {}) {
  absl::StatusOr<history::History> h = history::ParseEdnHistory(edn);
  EXPECT_TRUE(h.ok()) << h.status();
  absl::StatusOr<Result> r = Check(*h, model, options);
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) return *r;
  Result failed;
  failed.validity = Validity::kUnknown;
  return failed;
}

ModelOptions Model(ModelKind kind) {
  ModelOptions m;
  m.kind = kind;
  return m;
}

// Two overlapping writes and a read that may see either.
TEST(RegisterTest, ConcurrentWritesEitherOrder) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 1 :type :invoke :f :write :value 2}
    {:process 0 :type :ok :f :write :value 1}
    {:process 1 :type :ok :f :write :value 2}
    {:process 2 :type :invoke :f :read :value nil}
    {:process 2 :type :ok :f :read :value 1})";
  EXPECT_EQ(CheckEdn(edn, Model(ModelKind::kRegister)).validity,
            Validity::kValid);
}

// A read that starts after write(2) completed cannot return the older 1.
TEST(RegisterTest, StaleReadIsInvalidAndExplained) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :ok :f :write :value 1}
    {:process 0 :type :invoke :f :write :value 2}
    {:process 0 :type :ok :f :write :value 2}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 1})";
  Result r = CheckEdn(edn, Model(ModelKind::kRegister));
  ASSERT_EQ(r.validity, Validity::kInvalid);
  EXPECT_EQ(r.failed_invoke, 4u);
  EXPECT_EQ(r.failed_complete, 5u);
  EXPECT_EQ(r.linearized_prefix, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(r.state_after_prefix, "2");
  EXPECT_NE(r.explanation.find(
                "process 1 :read nil -> :ok 1 (line 6) cannot be linearized"),
            std::string::npos)
      << r.explanation;
}

// :info may take effect late (here after a later op) or never.
TEST(RegisterTest, InfoTakesEffectLateOrNever) {
  const char* late = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :info :f :write :value 1}
    {:process 1 :type :invoke :f :write :value 2}
    {:process 1 :type :ok :f :write :value 2}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 1})";
  EXPECT_EQ(CheckEdn(late, Model(ModelKind::kRegister)).validity,
            Validity::kValid);
  const char* never = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :info :f :write :value 1}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value nil})";
  EXPECT_EQ(CheckEdn(never, Model(ModelKind::kRegister)).validity,
            Validity::kValid);
}

// A :fail write did not happen, so reading its value is invalid.
TEST(RegisterTest, FailedWriteDidNotHappen) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :fail :f :write :value 1}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 1})";
  EXPECT_EQ(CheckEdn(edn, Model(ModelKind::kRegister)).validity,
            Validity::kInvalid);
}

TEST(RegisterTest, NilReadMeanings) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :ok :f :write :value 1}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value nil})";
  ModelOptions absent = Model(ModelKind::kRegister);
  EXPECT_EQ(CheckEdn(edn, absent).validity, Validity::kInvalid);
  ModelOptions unknown = absent;
  unknown.nil_read = NilRead::kUnknown;  // Knossos cas-register
  EXPECT_EQ(CheckEdn(edn, unknown).validity, Validity::kValid);
}

// write 1, then cas [1 2] completes :fail although nothing else ran.
TEST(CasRegisterTest, FailedCasHasTwoMeanings) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :ok :f :write :value 1}
    {:process 0 :type :invoke :f :cas :value [1 2]}
    {:process 0 :type :fail :f :cas :value [1 2]}
    {:process 0 :type :invoke :f :read :value nil}
    {:process 0 :type :ok :f :read :value 1})";
  ModelOptions jepsen = Model(ModelKind::kCasRegister);
  EXPECT_EQ(CheckEdn(edn, jepsen).validity,
            Validity::kValid);  // did not happen
  ModelOptions etcd = jepsen;
  etcd.failed_cas = FailedCas::kObservedCompareFail;  // but the value was 1
  Result r = CheckEdn(edn, etcd);
  ASSERT_EQ(r.validity, Validity::kInvalid);
  EXPECT_EQ(r.failed_invoke, 2u);
}

// Knossos cas-register with initial 0: cas [0 3] then a concurrent read of 3.
TEST(CasRegisterTest, KnossosStyleWithInitialValue) {
  const char* edn = R"([
    {:process 0 :type :invoke :f :cas :value [0 3]}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 3}
    {:process 0 :type :ok :f :cas :value [0 3]}
    {:process 1 :type :invoke :f :cas :value [0 4]}
    {:process 1 :type :ok :f :cas :value [0 4]}])";
  ModelOptions m = Model(ModelKind::kCasRegister);
  m.initial = Value::Int(0);
  Result r = CheckEdn(edn, m);
  EXPECT_EQ(
      r.validity,
      Validity::kInvalid);  // the second cas needs 0, the register holds 3
  EXPECT_EQ(r.failed_invoke, 4u);
}

TEST(CasRegisterTest, InfoCasMayApply) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :cas :value [nil 5]}
    {:process 0 :type :info :f :cas :value [nil 5]}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 5}
    {:process 1 :type :invoke :f :read :value nil}
    {:process 1 :type :ok :f :read :value 5})";
  EXPECT_EQ(CheckEdn(edn, Model(ModelKind::kCasRegister)).validity,
            Validity::kValid);
}

TEST(CasRegisterTest, BadCasValueIsAnErrorNamingTheLine) {
  absl::StatusOr<history::History> h = history::ParseEdnHistory(
      "{:process 0 :type :invoke :f :cas :value 3}\n{:process 0 :type :ok :f "
      ":cas :value 3}");
  ASSERT_TRUE(h.ok());
  absl::StatusOr<Result> r = Check(*h, Model(ModelKind::kCasRegister));
  EXPECT_EQ(r.status().message(),
            "line 1: :cas value must be [expected new], got '3'");
  absl::StatusOr<Result> wrong_f = Check(*h, Model(ModelKind::kMutex));
  EXPECT_EQ(wrong_f.status().message(),
            "line 1: the mutex model has no operation ':cas'");
}

// Knossos data/multi-register style: transactions over :x and :y.
TEST(MultiRegisterTest, TransactionsAreAtomic) {
  const char* ok = R"([
    {:process 0 :type :invoke :f :txn :value [[:write :x 1] [:write :y 1]]}
    {:process 1 :type :invoke :f :txn :value [[:read :x nil] [:read :y nil]]}
    {:process 0 :type :ok :f :txn :value [[:write :x 1] [:write :y 1]]}
    {:process 1 :type :ok :f :txn :value [[:read :x 0] [:read :y 0]]}])";
  ModelOptions m = Model(ModelKind::kMultiRegister);
  m.initial = Value::Map({{Value::Keyword("x"), Value::Int(0)},
                          {Value::Keyword("y"), Value::Int(0)}});
  EXPECT_EQ(CheckEdn(ok, m).validity, Validity::kValid);
  const char* torn = R"([
    {:process 0 :type :invoke :f :txn :value [[:write :x 1] [:write :y 1]]}
    {:process 1 :type :invoke :f :txn :value [[:read :x nil] [:read :y nil]]}
    {:process 0 :type :ok :f :txn :value [[:write :x 1] [:write :y 1]]}
    {:process 1 :type :ok :f :txn :value [[:read :x 1] [:read :y 0]]}])";
  Result r = CheckEdn(torn, m);
  EXPECT_EQ(r.validity, Validity::kInvalid);
  EXPECT_FALSE(r.key.has_value());
}

// Porcupine test_data/kv shape: get returns the concatenation of appends.
TEST(KeyValueTest, AppendsConcatenate) {
  const char* edn = R"(
    {:process 0, :type :invoke, :f :append, :key "1", :value "x 0 0 y"}
    {:process 1, :type :invoke, :f :append, :key "1", :value "x 1 0 y"}
    {:process 0, :type :ok, :f :append, :key "1", :value "x 0 0 y"}
    {:process 1, :type :ok, :f :append, :key "1", :value "x 1 0 y"}
    {:process 2, :type :invoke, :f :get, :key "1", :value nil}
    {:process 2, :type :ok, :f :get, :key "1", :value "x 1 0 yx 0 0 y"}
    {:process 2, :type :invoke, :f :get, :key "2", :value nil}
    {:process 2, :type :ok, :f :get, :key "2", :value ""})";
  ModelOptions m = Model(ModelKind::kKeyValue);
  Result partitioned = CheckEdn(edn, m);
  EXPECT_EQ(partitioned.validity, Validity::kValid);
  EXPECT_EQ(partitioned.partitions, 2u);
  m.partition_by_key = false;
  Result whole = CheckEdn(edn, m);
  EXPECT_EQ(whole.validity, Validity::kValid);
  EXPECT_EQ(whole.partitions, 1u);
}

TEST(KeyValueTest, LostAppendIsInvalidInBothModes) {
  const char* edn = R"(
    {:process 0, :type :invoke, :f :append, :key "1", :value "a"}
    {:process 0, :type :ok, :f :append, :key "1", :value "a"}
    {:process 0, :type :invoke, :f :put, :key "2", :value "p"}
    {:process 0, :type :ok, :f :put, :key "2", :value "p"}
    {:process 0, :type :invoke, :f :append, :key "1", :value "b"}
    {:process 0, :type :ok, :f :append, :key "1", :value "b"}
    {:process 1, :type :invoke, :f :get, :key "1", :value nil}
    {:process 1, :type :ok, :f :get, :key "1", :value "b"})";
  ModelOptions m = Model(ModelKind::kKeyValue);
  Result partitioned = CheckEdn(edn, m);
  ASSERT_EQ(partitioned.validity, Validity::kInvalid);
  EXPECT_EQ(*partitioned.key, Value::String("1"));
  // Per key the lookahead refutes it early: once "a" is appended, the get
  // can never see "b" (only appends follow), so the prefix stops there.
  EXPECT_EQ(partitioned.state_after_prefix, "\"a\"");
  EXPECT_EQ(partitioned.failed_invoke, 6u);
  m.partition_by_key = false;
  Result whole = CheckEdn(edn, m);
  ASSERT_EQ(whole.validity, Validity::kInvalid);
  EXPECT_EQ(whole.state_after_prefix, "{\"1\" \"ab\", \"2\" \"p\"}");
}

// Knossos data/mutex: two clients hold the lock at once.
TEST(MutexTest, DoubleAcquireIsInvalid) {
  const char* edn = R"([
    {:process 0 :type :invoke :f :acquire}
    {:process 0 :type :ok :f :acquire}
    {:process 1 :type :invoke :f :acquire}
    {:process 1 :type :ok :f :acquire}])";
  Result r = CheckEdn(edn, Model(ModelKind::kMutex));
  ASSERT_EQ(r.validity, Validity::kInvalid);
  EXPECT_EQ(r.failed_invoke, 2u);
  EXPECT_EQ(r.state_after_prefix, "held");
}

TEST(MutexTest, HandOverIsValidAndFailedAcquireIgnored) {
  const char* edn = R"([
    {:process 0 :type :invoke :f :acquire}
    {:process 0 :type :ok :f :acquire}
    {:process 1 :type :invoke :f :acquire}
    {:process 2 :type :invoke :f :acquire}
    {:process 2 :type :fail :f :acquire}
    {:process 0 :type :invoke :f :release}
    {:process 0 :type :ok :f :release}
    {:process 1 :type :ok :f :acquire}])";
  EXPECT_EQ(CheckEdn(edn, Model(ModelKind::kMutex)).validity, Validity::kValid);
}

// Unknown only when a limit is hit: a one-entry cache stops any search.
TEST(LimitsTest, CacheLimitGivesUnknown) {
  const char* edn = R"(
    {:process 0 :type :invoke :f :write :value 1}
    {:process 0 :type :ok :f :write :value 1}
    {:process 0 :type :invoke :f :write :value 2}
    {:process 0 :type :ok :f :write :value 2})";
  CheckOptions options;
  options.max_cache_entries = 1;
  Result r = CheckEdn(edn, Model(ModelKind::kRegister), options);
  EXPECT_EQ(r.validity, Validity::kUnknown);
  EXPECT_EQ(r.unknown_partitions, (std::vector<std::string>{"all"}));
}

// A cluster that kept failing: 20 :info writes that never took effect stay
// concurrent with the CAS ops after them. In list order WGL tries every
// subset of them (about 2^20 configurations) before it can explain the
// CAS ops; the retry with :info calls last explains them without any, so a
// small cache suffices (the simulator's register workload, seed 2631). With
// reads instead of CAS ops the first search is enough: a legal read is
// linearized at once (wgl.h, the read-only reduction).
TEST(LimitsTest, UnobservedInfoWritesStayWithinASmallCache) {
  history::History h;
  h.Invoke(100, "write", Value::Int(0));
  h.Complete(100, history::OpType::kOk, "write", Value::Int(0));
  for (int i = 0; i < 20; ++i) {  // distinct values: no two are twins
    h.Invoke(i, "write", Value::Int(1 + i));
    h.Complete(i, history::OpType::kInfo, "write", Value::Int(1 + i));
  }
  const Value zero_to_zero = Value::Vector({Value::Int(0), Value::Int(0)});
  for (int i = 0; i < 5; ++i) {
    h.Invoke(100, "cas", zero_to_zero);
    h.Complete(100, history::OpType::kOk, "cas", zero_to_zero);
  }
  CheckOptions options;
  options.threads = 1;
  options.max_cache_entries = 10'000;
  absl::StatusOr<Result> r = Check(h, Model(ModelKind::kCasRegister), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->validity, Validity::kValid) << r->explanation;
  // The list-order search filled the cache; the second needed a handful.
  EXPECT_GE(r->cache_entries, 10'000u);
  EXPECT_LT(r->cache_entries, 10'100u);

  // And a read of a value only an :info write could have written is still
  // explained by it (the retry is a complete search, not a shortcut).
  h.Invoke(100, "read", Value());
  h.Complete(100, history::OpType::kOk, "read", Value::Int(3));
  r = Check(h, Model(ModelKind::kCasRegister), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->validity, Validity::kValid) << r->explanation;
  // ... while a value nobody wrote is not.
  h.Invoke(100, "read", Value());
  h.Complete(100, history::OpType::kOk, "read", Value::Int(99));
  r = Check(h, Model(ModelKind::kCasRegister), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->validity, Validity::kValid);
}

TEST(LimitsTest, EmptyAndInfoOnlyHistoriesAreValid) {
  EXPECT_EQ(CheckEdn("", Model(ModelKind::kRegister)).validity,
            Validity::kValid);
  EXPECT_EQ(CheckEdn("{:process 0 :type :invoke :f :write :value 1}",
                     Model(ModelKind::kRegister))
                .validity,
            Validity::kValid);
}

}  // namespace
}  // namespace jepsen::linear

namespace jepsen::linear {
namespace {

// A long sequential history on one register: the cache must stay small
// (windows, not full bitsets) and the search linear.
TEST(LimitsTest, LongSequentialHistoryIsCheap) {
  history::History h;
  for (int i = 0; i < 20000; ++i) {
    h.Invoke(0, "write", Value::Int(i));
    h.Complete(0, history::OpType::kOk, "write", Value::Int(i));
    h.Invoke(1, "read");
    h.Complete(1, history::OpType::kOk, "read", Value::Int(i));
  }
  absl::StatusOr<Result> r = Check(h, Model(ModelKind::kRegister));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->validity, Validity::kValid);
  EXPECT_EQ(r->cache_entries, 40000u);
}

}  // namespace
}  // namespace jepsen::linear
