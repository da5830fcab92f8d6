#include "spec/percolator/invariants.h"

#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/base/check.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/write.h"

namespace spec::percolator {
namespace {

using core::env::Cf;
using core::mvcc::Key;
using core::mvcc::Lock;
using core::mvcc::Write;
using core::mvcc::WriteType;

struct Record {
  std::string key;  // raw
  uint64_t commit_ts = 0;
  Write write;
};

// Every write record, decoded (CHECK: the model never writes garbage).
// Memoized in the store: the explorer checks every invariant of a state.
const std::vector<Record>& Records(const World& world) {
  if (world.store.memo() != nullptr) {
    return *static_cast<const std::vector<Record>*>(world.store.memo().get());
  }
  auto decoded = std::make_shared<std::vector<Record>>();
  std::vector<Record>& records = *decoded;
  for (const auto& [version_key, bytes] : world.store.table(Cf::kWrite)) {
    auto split = Key::SplitVersionKey(version_key);
    CHECK(split.ok()) << split.status();
    auto raw = split->first.ToRaw();
    CHECK(raw.ok()) << raw.status();
    auto write = Write::Parse(bytes);
    CHECK(write.ok()) << write.status();
    records.push_back(Record{*raw, split->second.value(), *write});
  }
  world.store.set_memo(decoded);
  return records;
}

std::optional<Lock> LockOn(const World& world, const std::string& raw) {
  const auto& locks = world.store.table(Cf::kLock);
  auto it = locks.find(Key::FromRaw(raw).encoded());
  if (it == locks.end()) return std::nullopt;
  auto lock = Lock::Parse(it->second);
  CHECK(lock.ok()) << lock.status();
  return *lock;
}

// 0-based index of the txn that started at start_ts, or -1.
int TxnOf(const World& world, uint64_t start_ts) {
  for (size_t i = 0; i < world.txns.size(); ++i) {
    if (world.txns[i].start_ts == start_ts && start_ts != 0)
      return static_cast<int>(i);
  }
  return -1;
}

std::string Name(int index) { return "T" + std::to_string(index + 1); }

// The 1-based writer of the newest Put/Delete of key at or below ts.
uint32_t ExpectedWriter(const World& world, const std::vector<Record>& records,
                        const std::string& key, uint64_t ts) {
  const Record* newest = nullptr;
  for (const Record& record : records) {
    if (record.key != key || record.commit_ts > ts ||
        !record.write.IsDataChange()) {
      continue;
    }
    if (newest == nullptr || record.commit_ts > newest->commit_ts)
      newest = &record;
  }
  if (newest == nullptr || newest->write.write_type == WriteType::kDelete)
    return 0;
  if (newest->write.short_value.has_value()) {
    return World::WriterOf(*newest->write.short_value);
  }
  const auto& defaults = world.store.table(Cf::kDefault);
  auto it = defaults.find(Key::FromRaw(key).AppendTs(newest->write.start_ts));
  CHECK(it != defaults.end()) << "missing long value";
  return World::WriterOf(it->second);
}

struct TxnRecords {
  std::map<std::string, uint64_t> committed;  // key -> commit_ts
  std::set<std::string> rolled_back;
};

std::map<int, TxnRecords> ByTxn(const World& world,
                                const std::vector<Record>& records) {
  std::map<int, TxnRecords> by_txn;
  for (const Record& record : records) {
    const bool rollback = record.write.write_type == WriteType::kRollback;
    if (!rollback) {
      const int owner = TxnOf(world, record.write.start_ts.value());
      if (owner >= 0) by_txn[owner].committed[record.key] = record.commit_ts;
    }
    if (rollback || record.write.has_overlapped_rollback) {
      const int rolled = TxnOf(world, record.commit_ts);
      if (rolled >= 0) by_txn[rolled].rolled_back.insert(record.key);
    }
  }
  return by_txn;
}

bool CheckOneTxnDecided(const World& world, int i, const TxnRecords& records,
                        std::string* detail) {
  std::set<uint64_t> commit_ts;
  for (const auto& [key, ts] : records.committed) commit_ts.insert(ts);
  std::ostringstream out;
  if (!records.committed.empty() && !records.rolled_back.empty()) {
    out << Name(i) << " committed on " << records.committed.begin()->first
        << " but rolled back on " << *records.rolled_back.begin();
  } else if (commit_ts.size() > 1) {
    out << Name(i) << " committed at two timestamps";
  } else if (auto d = world.ghost.decisions.find(i);
             d != world.ghost.decisions.end() &&
             ((d->second == 0 && !commit_ts.empty()) ||
              (d->second != 0 && !records.rolled_back.empty()) ||
              (d->second != 0 && !commit_ts.empty() &&
               *commit_ts.begin() != d->second))) {
    out << Name(i) << " was decided " << d->second
        << " from its primary but the data "
        << "disagrees";
  } else {
    const TxnSpec& spec = world.spec(i);
    const bool two_pc =
        spec.kind == TxnKind::kOptimistic || spec.kind == TxnKind::kPessimistic;
    if (two_pc && !records.committed.empty() &&
        !records.committed.contains(spec.write_keys.front())) {
      out << Name(i) << " has a committed secondary before its primary";
    } else {
      return true;
    }
  }
  *detail = out.str();
  return false;
}

}  // namespace

bool SnapshotReadConsistency(const World& world, std::string* detail) {
  const std::vector<Record>& records = Records(world);
  for (const ReadRecord& read : world.ghost.reads) {
    const uint32_t expected = ExpectedWriter(world, records, read.key, read.ts);
    if (expected != read.writer) {
      *detail = "T" + std::to_string(read.txn) + " read " + read.key + "@" +
                std::to_string(read.ts) + " and saw T" +
                std::to_string(read.writer) + " but T" +
                std::to_string(expected) + " is the newest committed writer";
      return false;
    }
  }
  return true;
}

bool NoLostCommit(const World& world, std::string* detail) {
  const std::vector<Record>& records = Records(world);
  for (const auto& [i, commit_ts] : world.ghost.acknowledged) {
    const uint64_t start_ts = world.txns[i].start_ts;
    for (const std::string& key : world.spec(i).write_keys) {
      bool found = false;
      for (const Record& record : records) {
        found |= record.key == key && record.commit_ts == commit_ts &&
                 record.write.start_ts.value() == start_ts &&
                 record.write.write_type != WriteType::kRollback;
      }
      auto lock = LockOn(world, key);
      found |= lock.has_value() && lock->ts.value() == start_ts &&
               !lock->IsPessimisticLock();
      if (!found) {
        *detail = Name(i) + " was acknowledged at " +
                  std::to_string(commit_ts) + " but " + key +
                  " has neither its commit record nor its lock";
        return false;
      }
    }
  }
  return true;
}

bool CommitAfterStart(const World& world, std::string* detail) {
  for (const Record& record : Records(world)) {
    if (record.write.write_type == WriteType::kRollback) continue;
    if (record.commit_ts <= record.write.start_ts.value()) {
      *detail = record.key + " committed at " +
                std::to_string(record.commit_ts) + " <= start_ts " +
                std::to_string(record.write.start_ts.value());
      return false;
    }
  }
  return true;
}

bool PrimaryDecidesSecondaries(const World& world, std::string* detail) {
  const std::map<int, TxnRecords> by_txn = ByTxn(world, Records(world));
  for (const auto& [i, records] : by_txn) {
    if (!CheckOneTxnDecided(world, i, records, detail)) return false;
  }
  return true;
}

bool NoConflictingCommits(const World& world, std::string* detail) {
  std::map<std::string, std::vector<const Record*>> by_key;
  const std::vector<Record>& records = Records(world);
  for (const Record& record : records) {
    if (record.write.write_type != WriteType::kRollback)
      by_key[record.key].push_back(&record);
  }
  for (const auto& [key, writes] : by_key) {
    for (const Record* earlier : writes) {
      for (const Record* later : writes) {
        if (earlier->commit_ts >= later->commit_ts) continue;
        const int owner = TxnOf(world, later->write.start_ts.value());
        if (owner < 0) continue;
        auto check = world.ghost.conflict_check_ts.find(owner);
        if (check == world.ghost.conflict_check_ts.end()) continue;
        if (earlier->commit_ts > check->second) {
          *detail = key + ": " + Name(owner) + " (checked conflicts from " +
                    std::to_string(check->second) + ") overwrote a commit at " +
                    std::to_string(earlier->commit_ts);
          return false;
        }
      }
    }
  }
  return true;
}

bool AsyncCommitTsAboveReads(const World& world, std::string* detail) {
  for (const Record& record : Records(world)) {
    if (record.write.write_type == WriteType::kRollback) continue;
    const int owner = TxnOf(world, record.write.start_ts.value());
    if (owner < 0) continue;
    auto read = world.ghost.reads_before_prewrite.find({owner, record.key});
    if (read == world.ghost.reads_before_prewrite.end()) continue;
    if (record.commit_ts <= read->second) {
      *detail = Name(owner) + " committed " + record.key + " at " +
                std::to_string(record.commit_ts) + " <= an earlier read at " +
                std::to_string(read->second);
      return false;
    }
  }
  return true;
}

bool NoUnexpectedError(const World& world, std::string* detail) {
  if (world.ghost.unexpected.empty()) return true;
  *detail = world.ghost.unexpected.front();
  return false;
}

std::vector<explorer::NamedInvariant<World>> AllInvariants() {
  return {
      {"CommitAfterStart", CommitAfterStart},
      {"NoUnexpectedError", NoUnexpectedError},
      {"PrimaryDecidesSecondaries", PrimaryDecidesSecondaries},
      {"NoLostCommit", NoLostCommit},
      {"NoConflictingCommits", NoConflictingCommits},
      {"AsyncCommitTsAboveReads", AsyncCommitTsAboveReads},
      {"SnapshotReadConsistency", SnapshotReadConsistency},
  };
}

std::string FirstViolation(const World& world, std::string* detail) {
  for (const auto& invariant : AllInvariants()) {
    if (!invariant.holds(world, detail)) return invariant.name;
  }
  return "";
}

}  // namespace spec::percolator
