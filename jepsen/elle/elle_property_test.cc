// Properties against in-memory reference stores: a strictly serializable
// store's histories have no anomaly at all; a snapshot-isolation store's
// histories are valid under SI (write skew, G2-item, may appear); injected
// aborted reads and lost updates are always found; malformed transactions
// are errors, never crashes.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/base/prng.h"
#include "jepsen/elle/elle.h"
#include "jepsen/gen/gen.h"

namespace jepsen::elle {
namespace {

using core::base::Prng;

gen::ListAppendOptions RandomOptions() {
  gen::ListAppendOptions o;
  o.clients.processes = *rc::gen::inRange(1, 8);
  o.clients.operations = *rc::gen::inRange(1, 120);
  o.clients.info_probability = 0.05;
  o.clients.fail_probability = 0.1;
  o.keys = *rc::gen::inRange(1, 6);
  o.max_txn_length = *rc::gen::inRange(1, 5);
  return o;
}

Result MustCheck(const history::History& h, Workload workload,
                 ConsistencyModel model) {
  Options options;
  options.workload = workload;
  options.model = model;
  absl::StatusOr<Result> r = Check(h, options);
  RC_ASSERT(r.ok());
  return *r;
}

bool Has(const Result& r, std::string_view type) {
  return std::find(r.anomaly_types.begin(), r.anomaly_types.end(), type) !=
         r.anomaly_types.end();
}

RC_GTEST_PROP(ElleProperty, StrictSerializableStoreHasNoAnomalies,
              (uint64_t seed)) {
  Prng prng(seed);
  gen::ListAppendOptions o = RandomOptions();
  history::History append = gen::GenerateListAppendHistory(o, prng);
  Result r = MustCheck(append, Workload::kListAppend,
                       ConsistencyModel::kStrictSerializable);
  RC_ASSERT(r.valid);
  RC_ASSERT(r.anomaly_types.empty());
  history::History rw = gen::GenerateRwRegisterHistory(o, prng);
  Result rr = MustCheck(rw, Workload::kRwRegister,
                        ConsistencyModel::kStrictSerializable);
  RC_ASSERT(rr.valid);
  RC_ASSERT(rr.anomaly_types.empty());
}

RC_GTEST_PROP(ElleProperty, SnapshotIsolationStoreIsValidUnderSI,
              (uint64_t seed)) {
  Prng prng(seed);
  gen::ListAppendOptions o = RandomOptions();
  o.snapshot_isolation = true;
  Result r =
      MustCheck(gen::GenerateListAppendHistory(o, prng), Workload::kListAppend,
                ConsistencyModel::kSnapshotIsolation);
  RC_ASSERT(r.valid);
  for (const std::string& type : r.anomaly_types) RC_ASSERT(type == "G2-item");
  Result rr =
      MustCheck(gen::GenerateRwRegisterHistory(o, prng), Workload::kRwRegister,
                ConsistencyModel::kSnapshotIsolation);
  RC_ASSERT(rr.valid);
}

RC_GTEST_PROP(ElleProperty, InjectedAbortedReadIsG1a, (uint64_t seed)) {
  Prng prng(seed);
  history::History h = gen::GenerateListAppendHistory(RandomOptions(), prng);
  RC_PRE(gen::InjectAbortedRead(&h));
  Result r =
      MustCheck(h, Workload::kListAppend, ConsistencyModel::kSnapshotIsolation);
  RC_ASSERT(!r.valid);
  RC_ASSERT(Has(r, "G1a"));
}

RC_GTEST_PROP(ElleProperty, InjectedLostUpdateIsFound, (uint64_t seed)) {
  Prng prng(seed);
  gen::ListAppendOptions o = RandomOptions();
  o.snapshot_isolation = *rc::gen::arbitrary<bool>();
  history::History h = gen::GenerateListAppendHistory(o, prng);
  gen::InjectLostUpdate(&h);
  Result r =
      MustCheck(h, Workload::kListAppend, ConsistencyModel::kSnapshotIsolation);
  RC_ASSERT(!r.valid);
  RC_ASSERT(Has(r, "lost-update"));
}

// Micro-ops of random shapes: every outcome is a verdict or a clean error.
RC_GTEST_PROP(ElleProperty, MalformedTransactionsNeverCrash, (uint64_t seed)) {
  Prng prng(seed);
  auto value = [&]() -> history::Value {
    switch (prng.Uniform(5)) {
      case 0:
        return history::Value();
      case 1:
        return history::Value::Int(static_cast<int64_t>(prng.Uniform(4)));
      case 2:
        return history::Value::Keyword(prng.OneIn(2) ? "r" : "append");
      case 3:
        return history::Value::String("w");
      default:
        return history::Value::Vector(
            {history::Value::Int(static_cast<int64_t>(prng.Uniform(4)))});
    }
  };
  history::History h;
  int n = *rc::gen::inRange(0, 12);
  for (int i = 0; i < n; ++i) {
    std::vector<history::Value> mops;
    for (uint64_t m = prng.Uniform(4); m > 0; --m) {
      std::vector<history::Value> mop;
      for (uint64_t f = prng.Uniform(5); f > 0; --f) mop.push_back(value());
      mops.push_back(prng.OneIn(8) ? value() : history::Value::Vector(mop));
    }
    history::Value txn = history::Value::Vector(mops);
    h.Invoke(i, "txn", txn);
    h.Complete(i, prng.OneIn(4) ? history::OpType::kFail : history::OpType::kOk,
               "txn", txn);
  }
  for (Workload w : {Workload::kListAppend, Workload::kRwRegister}) {
    Options options;
    options.workload = w;
    absl::StatusOr<Result> r = Check(h, options);
    if (!r.ok())
      RC_ASSERT(r.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

// The SI store really exercises the checker: across seeds it produces write
// skew (allowed under SI, caught under serializability).
TEST(ElleGeneratorTest, SnapshotIsolationStoreProducesWriteSkew) {
  int skewed = 0;
  for (uint64_t seed = 1; seed <= 40 && skewed == 0; ++seed) {
    Prng prng(seed);
    gen::ListAppendOptions o;
    o.clients.processes = 6;
    o.clients.operations = 150;
    o.keys = 3;
    o.snapshot_isolation = true;
    history::History h = gen::GenerateListAppendHistory(o, prng);
    Options options;
    options.model = ConsistencyModel::kSerializable;
    absl::StatusOr<Result> r = Check(h, options);
    ASSERT_TRUE(r.ok());
    if (!r->valid) {
      EXPECT_EQ(r->anomaly_types, std::vector<std::string>{"G2-item"})
          << r->explanation;
      ++skewed;
    }
  }
  EXPECT_GT(skewed, 0);
}

// A store without first-committer-wins (a known bug) loses updates; the SI
// checker must catch it on some seed.
TEST(ElleGeneratorTest, StoreWithoutFirstCommitterWinsIsCaught) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 40 && !caught; ++seed) {
    Prng prng(seed);
    gen::ListAppendOptions o;
    o.clients.processes = 6;
    o.clients.operations = 150;
    o.keys = 3;
    o.snapshot_isolation = true;
    o.lose_updates = true;
    Options options;
    options.model = ConsistencyModel::kSnapshotIsolation;
    absl::StatusOr<Result> r =
        Check(gen::GenerateListAppendHistory(o, prng), options);
    ASSERT_TRUE(r.ok());
    caught =
        !r->valid && std::find(r->anomaly_types.begin(), r->anomaly_types.end(),
                               "lost-update") != r->anomaly_types.end();
  }
  EXPECT_TRUE(caught);
}

}  // namespace
}  // namespace jepsen::elle
