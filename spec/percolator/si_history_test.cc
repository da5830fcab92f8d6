// The history recorder on scripted schedules over the real actions: what a
// client learns becomes :invoke / :ok / :fail / :info with the values it
// read, and the verdicts of the SI checker on them, including the one lost
// update TiKV's pessimistic transactions allow.
#include "spec/percolator/si_history.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jepsen/history/history.h"

namespace spec::percolator {
namespace {

using jepsen::history::History;
using jepsen::history::OpType;
using jepsen::history::Value;

TxnSpec Txn(TxnKind kind, std::vector<std::string> writes,
            std::vector<std::string> reads) {
  TxnSpec spec;
  spec.kind = kind;
  spec.write_keys = std::move(writes);
  spec.read_keys = std::move(reads);
  return spec;
}

class Script {
 public:
  explicit Script(std::vector<TxnSpec> txns) {
    auto config = std::make_shared<WorldConfig>();
    config->txns = std::move(txns);
    config->max_tso = 20;
    world_ = World::Initial(std::move(config));
    recorder_.emplace(world_.txns.size());
    recorder_->Observe(world_);
  }

  // Takes the enabled step labelled `label`; false when there is none.
  bool Step(const std::string& label) {
    std::optional<World> next;
    Successors(world_, [&](std::string step, World successor) {
      if (!next.has_value() && step == label) next = std::move(successor);
    });
    if (!next.has_value()) return false;
    world_ = std::move(*next);
    recorder_->Observe(world_);
    return true;
  }
  void Run(const std::vector<std::string>& labels) {
    for (const std::string& label : labels) {
      ASSERT_TRUE(Step(label)) << "not enabled: " << label << "\n"
                               << Describe(world_);
    }
  }

  HistoryRecorder& recorder() { return *recorder_; }
  const History& history() const { return recorder_->history(); }

 private:
  World world_;
  std::optional<HistoryRecorder> recorder_;
};

std::string Show(const History& history, size_t i) {
  const jepsen::history::Op& op = history.ops[i];
  return std::string(jepsen::history::OpTypeName(op.type)) + " p" +
         std::to_string(op.process) + " " + op.value.ToEdn();
}

// Ref: Percolator §2.2: a reader that starts after the commit point sees the
// write; the client learns "committed" at the primary's commit.
TEST(HistoryRecorderTest, CommittedWriterThenReader) {
  Script script({Txn(TxnKind::kOptimistic, {"k1"}, {"k1"}),
                 Txn(TxnKind::kReadOnly, {}, {"k1"})});
  script.Run({"T1 begin", "T1 read k1", "T1 prewrite k1", "T1 get commit_ts",
              "T1 commit k1", "T2 begin", "T2 read k1"});
  const History& h = script.history();
  ASSERT_EQ(h.ops.size(), 4u) << FormatHistory(h);
  EXPECT_EQ(Show(h, 0), R"(invoke p0 [[:r "k1" nil] [:w "k1" 1]])");
  EXPECT_EQ(Show(h, 1), R"(ok p0 [[:r "k1" nil] [:w "k1" 1]])");
  EXPECT_EQ(Show(h, 2), R"(invoke p1 [[:r "k1" nil]])");
  EXPECT_EQ(Show(h, 3), R"(ok p1 [[:r "k1" 1]])");
  // The logical clock: steps taken before each event.
  EXPECT_EQ(h.ops[0].time_ns, 1);
  EXPECT_EQ(h.ops[1].time_ns, 5);
  EXPECT_EQ(h.ops[3].time_ns, 7);
  EXPECT_TRUE(CheckSnapshotIsolation(h).valid);
  EXPECT_TRUE(CheckStrongSnapshotIsolation(h).valid);
}

// A resolver rolls the transaction back (lock TTL 0); the client's primary
// commit then finds no lock: it knows it failed. A client that crashes
// before learning its outcome ends :info.
TEST(HistoryRecorderTest, RolledBackIsFailCrashedIsInfo) {
  Script script({Txn(TxnKind::kOptimistic, {"k1"}, {}),
                 Txn(TxnKind::kOptimistic, {"k2"}, {"k1"})});
  script.Run({"T1 begin", "T1 prewrite k1", "T1 get commit_ts", "R checks T1",
              "T1 commit k1 (rolled back)", "T2 begin"});
  script.recorder().Crash(1);
  script.recorder().StopAll();  // nothing left pending
  const History& h = script.history();
  ASSERT_EQ(h.ops.size(), 4u) << FormatHistory(h);
  EXPECT_EQ(Show(h, 1), R"(fail p0 [[:w "k1" 1]])");
  EXPECT_EQ(Show(h, 3), R"(info p1 [[:r "k1" nil] [:w "k2" 2]])");
  EXPECT_TRUE(CheckSnapshotIsolation(h).valid);
}

// Ref: tikv.md §2.4: a pessimistic lock that meets a newer commit is retried
// at a fresh for_update_ts, and the write conflict is checked from there, so
// T1 overwrites T2's commit after reading k1 at start_ts: a lost update that
// the protocol allows (and only through that late lock).
TEST(HistoryRecorderTest, LostUpdateThroughLatePessimisticLock) {
  Script script({Txn(TxnKind::kPessimistic, {"k1"}, {"k1"}),
                 Txn(TxnKind::kOptimistic, {"k1"}, {"k1"})});
  script.Run({"T1 begin", "T1 read k1", "T2 begin", "T2 read k1",
              "T2 prewrite k1", "T2 get commit_ts", "T2 commit k1",
              "T1 lock k1 (conflict, retry)", "T1 lock k1", "T1 prewrite k1",
              "T1 get commit_ts", "T1 commit k1"});
  const std::set<LateLock> late = script.recorder().late_locks();
  EXPECT_EQ(late, (std::set<LateLock>{{0, "k1"}}));
  const SiVerdict strict = CheckSnapshotIsolation(script.history());
  EXPECT_FALSE(strict.valid);
  EXPECT_NE(strict.explanation.find("lost-update"), std::string::npos)
      << strict.explanation;
  const SiVerdict allowed = CheckSnapshotIsolation(script.history(), late);
  EXPECT_TRUE(allowed.valid) << allowed.explanation;
  EXPECT_EQ(allowed.allowed_lost_updates, 1u);
  EXPECT_TRUE(CheckStrongSnapshotIsolation(script.history(), late).valid);
}

// Two clients read k1 = nil and both wrote it.
History LostUpdate() {
  History h;
  const Value mops = Value::Vector(
      {Value::Vector({Value::Keyword("r"), Value::String("k1"), Value()}),
       Value::Vector(
           {Value::Keyword("w"), Value::String("k1"), Value::Int(1)})});
  Value second = mops;
  h.Invoke(0, "txn", mops);
  h.Invoke(1, "txn",
           Value::Vector({mops.items()[0], Value::Vector({Value::Keyword("w"),
                                                          Value::String("k1"),
                                                          Value::Int(2)})}));
  h.Complete(0, OpType::kOk, "txn", mops);
  h.Complete(1, OpType::kOk, "txn", h.ops[1].value);
  return h;
}

TEST(SiVerdictTest, LostUpdateIsAllowedOnlyThroughALateLockOnItsKey) {
  const History h = LostUpdate();
  EXPECT_FALSE(CheckSnapshotIsolation(h).valid);
  EXPECT_FALSE(CheckSnapshotIsolation(h, {{0, "k2"}}).valid);
  EXPECT_FALSE(CheckSnapshotIsolation(h, {{5, "k1"}}).valid);
  EXPECT_TRUE(CheckSnapshotIsolation(h, {{1, "k1"}}).valid);
  EXPECT_FALSE(CheckStrongSnapshotIsolation(h).valid);
}

TEST(SiVerdictTest, UnreadableHistoryIsInvalid) {
  History h;
  h.Invoke(
      0, "txn",
      Value::Vector({Value::Vector({Value::Keyword("w"), Value::String("k1"),
                                    Value::String("not an integer")})}));
  const SiVerdict verdict = CheckSnapshotIsolation(h);
  EXPECT_FALSE(verdict.valid);
  EXPECT_NE(verdict.explanation.find("rejected"), std::string::npos)
      << verdict.explanation;
}

}  // namespace
}  // namespace spec::percolator
