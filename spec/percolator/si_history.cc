#include "spec/percolator/si_history.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/base/check.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "jepsen/elle/elle.h"
#include "jepsen/history/writers.h"

namespace spec::percolator {
namespace {

using core::env::Cf;
using core::mvcc::Key;
using core::mvcc::Lock;
using jepsen::history::OpType;
using jepsen::history::Value;

constexpr char kTxn[] = "txn";
constexpr int64_t kForeignValue = -1;

Value MicroOp(const char* f, const std::string& key, Value value) {
  return Value::Vector(
      {Value::Keyword(f), Value::String(key), std::move(value)});
}

Value ReadValue(uint32_t writer) {
  if (writer == 0) return Value::Nil();
  if (writer == World::kForeignWriter) return Value::Int(kForeignValue);
  return Value::Int(writer);
}

// [[:r k v] .. [:w k i+1] ..]; reads nil until `reads` supplies them.
Value TxnValue(const World& world, uint32_t index,
               const std::vector<const ReadRecord*>& reads) {
  const TxnSpec& spec = world.spec(index);
  std::vector<Value> mops;
  for (size_t r = 0; r < spec.read_keys.size(); ++r) {
    if (r < reads.size()) {
      CHECK_EQ(reads[r]->key, spec.read_keys[r]);
      mops.push_back(
          MicroOp("r", spec.read_keys[r], ReadValue(reads[r]->writer)));
    } else {
      mops.push_back(MicroOp("r", spec.read_keys[r], Value::Nil()));
    }
  }
  for (const std::string& key : spec.write_keys) {
    mops.push_back(MicroOp("w", key, Value::Int(index + 1)));
  }
  return Value::Vector(std::move(mops));
}

std::vector<const ReadRecord*> ReadsOf(const World& world, uint32_t index) {
  std::vector<const ReadRecord*> reads;
  for (const ReadRecord& read : world.ghost.reads) {
    if (read.txn == index + 1) reads.push_back(&read);
  }
  return reads;
}

// (key, value read) for every key an :ok transaction reads and then writes.
std::map<std::string, Value> ReadThenWritten(const jepsen::history::Op& op) {
  std::map<std::string, Value> reads;
  std::set<std::string> written;
  for (const Value& mop : op.value.items()) {
    if (mop.items().size() != 3) continue;
    const std::string& key = mop.items()[1].text();
    if (mop.items()[0].AsName() == "r") {
      reads.emplace(key, mop.items()[2]);
    } else {
      written.insert(key);
    }
  }
  std::erase_if(reads,
                [&](const auto& kv) { return !written.contains(kv.first); });
  return reads;
}

// A lost update the pessimistic rule allows: every transaction of it but
// one took a late pessimistic lock on every key the group read with one value
// and wrote.
bool AllowedLostUpdate(const jepsen::history::History& history,
                       const jepsen::elle::Anomaly& anomaly,
                       const std::set<LateLock>& late_locks) {
  if (anomaly.type != "lost-update" || late_locks.empty()) return false;
  std::vector<const jepsen::history::Op*> members;
  for (size_t position : anomaly.ops) {
    CHECK_LT(position, history.ops.size());
    members.push_back(&history.ops[position]);
  }
  std::map<std::string, Value> shared = ReadThenWritten(*members.front());
  for (const jepsen::history::Op* member : members) {
    const std::map<std::string, Value> own = ReadThenWritten(*member);
    std::erase_if(shared, [&](const auto& kv) {
      auto it = own.find(kv.first);
      return it == own.end() || it->second != kv.second;
    });
  }
  size_t others = 0;
  for (const jepsen::history::Op* member : members) {
    bool late = !shared.empty();
    for (const auto& [key, value] : shared) {
      late = late && late_locks.contains(LateLock{member->process, key});
    }
    others += !late;
  }
  return others <= 1;
}

SiVerdict Judge(const jepsen::history::History& history,
                jepsen::elle::ConsistencyModel model,
                const std::vector<std::string>& allowed_cycles,
                const std::set<LateLock>& late_locks) {
  jepsen::elle::Options options;
  options.workload = jepsen::elle::Workload::kRwRegister;
  options.model = model;
  absl::StatusOr<jepsen::elle::Result> result =
      jepsen::elle::Check(history, options);
  if (!result.ok()) {
    return SiVerdict{false, 0,
                     "the checker rejected the history: " +
                         std::string(result.status().message())};
  }
  SiVerdict verdict{true, 0, result->explanation};
  for (const jepsen::elle::Anomaly& anomaly : result->anomalies) {
    if (std::find(allowed_cycles.begin(), allowed_cycles.end(), anomaly.type) !=
        allowed_cycles.end()) {
      continue;
    }
    if (AllowedLostUpdate(history, anomaly, late_locks)) {
      ++verdict.allowed_lost_updates;
      continue;
    }
    verdict.valid = false;
  }
  if (verdict.allowed_lost_updates > 0) {
    verdict.explanation +=
        "\n  (lost updates through pessimistic locks taken at a for_update_ts "
        "above start_ts are allowed: " +
        std::to_string(verdict.allowed_lost_updates) + ")";
  }
  return verdict;
}

}  // namespace

HistoryRecorder::HistoryRecorder(size_t txn_count) : clients_(txn_count) {}

void HistoryRecorder::Observe(const World& world) {
  CHECK_EQ(world.txns.size(), clients_.size());
  for (uint32_t i = 0; i < clients_.size(); ++i) ObserveClient(world, i);
  ObserveLocks(world);
  ++clock_;
}

void HistoryRecorder::ObserveLocks(const World& world) {
  for (const auto& [encoded, bytes] : world.store.table(Cf::kLock)) {
    absl::StatusOr<Lock> lock = Lock::Parse(bytes);
    CHECK(lock.ok()) << lock.status();
    if (!lock->IsPessimisticLock() || lock->for_update_ts <= lock->ts) continue;
    for (uint32_t i = 0; i < world.txns.size(); ++i) {
      if (world.txns[i].start_ts != lock->ts.value()) continue;
      absl::StatusOr<std::string> key = Key::FromEncoded(encoded).ToRaw();
      CHECK(key.ok()) << key.status();
      late_locks_.insert(LateLock{i, *key});
    }
  }
}

void HistoryRecorder::ObserveClient(const World& world, uint32_t index) {
  Client& client = clients_[index];
  const Phase phase = world.txns[index].phase;
  const Phase last_phase = client.last_phase;
  client.last_phase = phase;
  if (client.status == Status::kNotInvoked) {
    if (phase == Phase::kNotStarted) return;
    client.status = Status::kPending;
    client.invocation = TxnValue(world, index, {});
    history_.Invoke(index, kTxn, client.invocation, std::nullopt, clock_);
  }
  if (client.status != Status::kPending) return;
  const bool read_only = world.spec(index).write_keys.empty() ||
                         world.spec(index).kind == TxnKind::kReadOnly;
  if (world.ghost.acknowledged.contains(index) ||
      (read_only && phase == Phase::kDone)) {
    const std::vector<const ReadRecord*> reads = ReadsOf(world, index);
    CHECK_EQ(reads.size(), world.spec(index).read_keys.size());
    Complete(index, OpType::kOk, TxnValue(world, index, reads));
  } else if (phase == Phase::kAborted) {
    // Only a rollback or a primary commit that found its lock gone tell the
    // client it did not commit; an unexpected error leaves it unsure.
    const bool knows = last_phase == Phase::kRollingBack ||
                       last_phase == Phase::kCommittingPrimary;
    Complete(index, knows ? OpType::kFail : OpType::kInfo, client.invocation);
  }
}

void HistoryRecorder::Crash(uint32_t index) {
  CHECK_LT(index, clients_.size());
  if (clients_[index].status == Status::kPending) {
    Complete(index, OpType::kInfo, clients_[index].invocation);
  }
}

void HistoryRecorder::StopAll() {
  for (uint32_t i = 0; i < clients_.size(); ++i) Crash(i);
}

void HistoryRecorder::Complete(uint32_t index, OpType type, Value value) {
  clients_[index].status = Status::kCompleted;
  history_.Complete(index, type, kTxn, std::move(value), std::nullopt, clock_);
}

SiVerdict CheckSnapshotIsolation(const jepsen::history::History& history,
                                 const std::set<LateLock>& late_locks) {
  return Judge(history, jepsen::elle::ConsistencyModel::kSnapshotIsolation,
               {"G2-item"}, late_locks);
}

SiVerdict CheckStrongSnapshotIsolation(const jepsen::history::History& history,
                                       const std::set<LateLock>& late_locks) {
  SiVerdict verdict =
      Judge(history, jepsen::elle::ConsistencyModel::kStrictSerializable,
            {"G2-item", "G2-item-realtime", "G2-item-process"}, late_locks);
  verdict.explanation =
      std::string(verdict.valid ? "strong SI holds" : "strong SI violated") +
      " (only G2-item cycles allowed); " + verdict.explanation;
  return verdict;
}

std::string FormatHistory(const jepsen::history::History& history) {
  return jepsen::history::WriteHistory(history, jepsen::history::Format::kEdn);
}

}  // namespace spec::percolator
