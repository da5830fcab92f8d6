#include "spec/percolator/world.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/acquire_pessimistic_lock.h"
#include "core/txn/actions/check_secondary_locks.h"
#include "core/txn/actions/check_txn_status.h"
#include "core/txn/actions/cleanup.h"
#include "core/txn/actions/commit.h"
#include "core/txn/actions/prewrite.h"
#include "core/txn/actions/resolve_lock.h"
#include "core/txn/concurrency_manager.h"
#include "core/txn/txn_read.h"

namespace spec::percolator {
namespace {

namespace actions = core::txn::actions;
namespace mvcc = core::mvcc;
using core::base::TimeStamp;
using core::mvcc::Key;
using core::mvcc::Lock;

TimeStamp Ts(uint64_t value) { return TimeStamp(value); }

// One step in progress: a copy of the world to mutate, and the concurrency
// manager rebuilt from its max_ts.
class Step {
 public:
  explicit Step(const World& world)
      : next_(world), cm_(TimeStamp(world.max_ts)) {}

  World& world() { return next_; }
  core::txn::ConcurrencyManager& cm() { return cm_; }
  mvcc::MvccReader Reader() const {
    return mvcc::MvccReader(next_.store.BorrowSnapshot());
  }
  // Applies an action's write buffer. Readers made before must be dead.
  void Apply(mvcc::MvccTxn& txn) {
    next_.store.Apply(txn);
    actions::ReleaseMemoryLocks(txn, cm_);
  }
  // Takes the next TSO timestamp; false when the bound is reached.
  bool TakeTs(uint64_t* ts) {
    if (next_.tso >= next_.config->max_tso) return false;
    ++next_.tso;
    *ts = TimeStamp::Compose(next_.tso, 0).value();
    return true;
  }
  void Unexpected(const std::string& what, const mvcc::Error& error) {
    next_.ghost.unexpected.push_back(what + ": " + mvcc::ErrorToString(error));
  }
  World Finish() {
    next_.max_ts = cm_.max_ts().value();
    return std::move(next_);
  }

 private:
  World next_;
  core::txn::ConcurrencyManager cm_;
};

std::string TxnName(uint32_t index) { return "T" + std::to_string(index + 1); }

template <typename T>
bool Is(const mvcc::Error& error) {
  return std::holds_alternative<T>(error);
}

// Where a client goes after its reads (or after begin when it has none).
Phase AfterReads(const TxnSpec& spec) {
  if (spec.kind == TxnKind::kReadOnly || spec.write_keys.empty()) {
    return Phase::kDone;
  }
  return spec.kind == TxnKind::kPessimistic ? Phase::kLocking
                                            : Phase::kPrewriting;
}

void AdvanceTo(TxnState& txn, Phase phase) {
  txn.phase = phase;
  txn.next = 0;
}

void BeginStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  uint64_t start_ts = 0;
  if (!step.TakeTs(&start_ts)) return;
  TxnState& txn = step.world().txns[i];
  txn.start_ts = start_ts;
  txn.for_update_ts = start_ts;
  AdvanceTo(txn, world.spec(i).read_keys.empty() ? AfterReads(world.spec(i))
                                                 : Phase::kReading);
  emit(TxnName(i) + " begin", step.Finish());
}

void ReadStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  TxnState& txn = step.world().txns[i];
  const std::string& key = world.spec(i).read_keys[txn.next];
  const std::string label = TxnName(i) + " read " + key;
  mvcc::Result<std::optional<mvcc::ValueAtTs>> value =
      mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    value = core::txn::TxnGet(step.cm(), reader, key, Ts(txn.start_ts), {});
  }
  if (!value.ok()) {
    if (!Is<mvcc::KeyIsLocked>(value.error()))
      step.Unexpected(label, value.error());
    emit(label + " (locked)", step.Finish());  // max_ts still rose
    return;
  }
  const uint32_t writer =
      value->has_value() ? World::WriterOf((*value)->value) : 0;
  step.world().ghost.reads.push_back(
      ReadRecord{i + 1, key, txn.start_ts, writer});
  if (++txn.next == world.spec(i).read_keys.size()) {
    AdvanceTo(txn, AfterReads(world.spec(i)));
  }
  emit(label, step.Finish());
}

void LockStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  TxnState& txn = step.world().txns[i];
  const TxnSpec& spec = world.spec(i);
  const std::string& key = spec.write_keys[txn.next];
  const std::string label = TxnName(i) + " lock " + key;
  actions::PessimisticLockArgs args;
  args.primary = spec.write_keys.front();
  args.start_ts = Ts(txn.start_ts);
  args.for_update_ts = Ts(txn.for_update_ts);
  args.lock_ttl = world.config->lock_ttl_ms;
  mvcc::MvccTxn buffer(Ts(txn.start_ts));
  mvcc::Result<actions::PessimisticLockOutcome> outcome =
      mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    outcome = actions::AcquirePessimisticLock(buffer, reader, Key::FromRaw(key),
                                              args);
  }
  if (outcome.ok()) {
    step.Apply(buffer);
    if (++txn.next == spec.write_keys.size())
      AdvanceTo(txn, Phase::kPrewriting);
    emit(label, step.Finish());
    return;
  }
  const mvcc::Error& error = outcome.error();
  if (Is<mvcc::KeyIsLocked>(error)) return;  // waits; no change
  if (const auto* conflict = std::get_if<mvcc::WriteConflict>(&error)) {
    if (conflict->reason == mvcc::WriteConflictReason::kPessimisticRetry) {
      uint64_t retry_ts = 0;
      if (!step.TakeTs(&retry_ts)) return;
      txn.for_update_ts = retry_ts;
      emit(label + " (conflict, retry)", step.Finish());
      return;
    }
    AdvanceTo(txn, Phase::kRollingBack);
    emit(label + " (self rolled back)", step.Finish());
    return;
  }
  step.Unexpected(label, error);
  AdvanceTo(txn, Phase::kAborted);
  emit(label + " (unexpected)", step.Finish());
}

uint64_t MaxReadTs(const Ghost& ghost, const std::string& key) {
  uint64_t max_ts = 0;
  for (const ReadRecord& read : ghost.reads) {
    if (read.key == key) max_ts = std::max(max_ts, read.ts);
  }
  return max_ts;
}

actions::PrewriteRequest BuildPrewrite(const World& world, uint32_t i) {
  const TxnSpec& spec = world.spec(i);
  const TxnState& txn = world.txns[i];
  actions::PrewriteRequest request;
  actions::TxnProps& props = request.props;
  props.start_ts = Ts(txn.start_ts);
  props.primary = spec.write_keys.front();
  props.lock_ttl = world.config->lock_ttl_ms;
  props.txn_size = spec.write_keys.size();
  if (spec.kind == TxnKind::kPessimistic)
    props.for_update_ts = Ts(txn.for_update_ts);
  if (spec.kind == TxnKind::kAsyncCommit) {
    props.commit_kind = actions::CommitKind::kAsyncCommit;
    props.secondaries.assign(spec.write_keys.begin() + 1,
                             spec.write_keys.end());
  }
  if (spec.kind == TxnKind::kOnePc)
    props.commit_kind = actions::CommitKind::kOnePc;
  std::vector<std::string> keys;
  if (spec.kind == TxnKind::kOnePc) {
    keys = spec.write_keys;
  } else {
    keys = {spec.write_keys[txn.next]};
  }
  for (const std::string& key : keys) {
    request.mutations.push_back(
        actions::Mutation{actions::MutationOp::kPut, key, world.ValueOf(i)});
    if (spec.kind == TxnKind::kPessimistic) {
      request.pessimistic_actions.push_back(
          actions::PessimisticAction::kDoPessimisticCheck);
    }
  }
  return request;
}

// Bookkeeping after every prewrite request of txn i succeeded.
void AfterPrewrites(World& world, uint32_t i,
                    const actions::PrewriteResult& result) {
  TxnState& txn = world.txns[i];
  switch (world.spec(i).kind) {
    case TxnKind::kOnePc:
      txn.commit_ts = result.one_pc_commit_ts.value();
      world.ghost.acknowledged[i] = txn.commit_ts;
      AdvanceTo(txn, Phase::kDone);
      break;
    case TxnKind::kAsyncCommit:
      // Logically committed now (tikv.md §2.3).
      txn.commit_ts = txn.max_min_commit_ts;
      world.ghost.acknowledged[i] = txn.commit_ts;
      AdvanceTo(txn, Phase::kCommittingPrimary);
      break;
    default:
      AdvanceTo(txn, Phase::kGetCommitTs);
  }
}

void PrewriteStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  const TxnSpec& spec = world.spec(i);
  const actions::PrewriteRequest request = BuildPrewrite(world, i);
  const std::string label = TxnName(i) + " prewrite " +
                            request.mutations.front().key +
                            (spec.kind == TxnKind::kOnePc ? " (1PC)" : "");
  Ghost& ghost = step.world().ghost;
  ghost.conflict_check_ts[i] = spec.kind == TxnKind::kPessimistic
                                   ? world.txns[i].for_update_ts
                                   : world.txns[i].start_ts;
  if (spec.kind == TxnKind::kAsyncCommit || spec.kind == TxnKind::kOnePc) {
    for (const auto& mutation : request.mutations) {
      ghost.reads_before_prewrite[{i, mutation.key}] =
          MaxReadTs(ghost, mutation.key);
    }
  }
  TxnState& txn = step.world().txns[i];
  mvcc::MvccTxn buffer(Ts(txn.start_ts));
  mvcc::Result<actions::PrewriteResult> result =
      mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    result = actions::PrewriteKeys(buffer, reader, step.cm(), request);
  }
  if (result.ok() && !result->locks.empty()) return;  // waits; no change
  if (!result.ok()) {
    const mvcc::Error& error = result.error();
    const bool expected = Is<mvcc::WriteConflict>(error) ||
                          Is<mvcc::AlreadyExist>(error) ||
                          Is<mvcc::PessimisticLockNotFound>(error);
    if (!expected) step.Unexpected(label, error);
    AdvanceTo(txn, expected ? Phase::kRollingBack : Phase::kAborted);
    emit(label + " (failed)", step.Finish());
    return;
  }
  step.Apply(buffer);
  txn.max_min_commit_ts =
      std::max(txn.max_min_commit_ts, result->min_commit_ts.value());
  if (spec.kind == TxnKind::kOnePc || ++txn.next == spec.write_keys.size()) {
    AfterPrewrites(step.world(), i, *result);
  }
  emit(label, step.Finish());
}

void GetCommitTsStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  uint64_t commit_ts = 0;
  if (!step.TakeTs(&commit_ts)) return;
  TxnState& txn = step.world().txns[i];
  txn.commit_ts = commit_ts;
  AdvanceTo(txn, Phase::kCommittingPrimary);
  emit(TxnName(i) + " get commit_ts", step.Finish());
}

void CommitStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  TxnState& txn = step.world().txns[i];
  const TxnSpec& spec = world.spec(i);
  const bool primary = txn.phase == Phase::kCommittingPrimary;
  const std::string& key =
      primary ? spec.write_keys.front() : spec.write_keys[txn.next];
  const std::string label = TxnName(i) + " commit " + key;
  mvcc::MvccTxn buffer(Ts(txn.start_ts));
  mvcc::Result<actions::CommitOutcome> outcome =
      mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    outcome = actions::Commit(
        buffer, reader, Key::FromRaw(key),
        actions::CommitArgs{Ts(txn.start_ts), Ts(txn.commit_ts)});
  }
  const bool async = spec.kind == TxnKind::kAsyncCommit;
  if (outcome.ok()) {
    step.Apply(buffer);
    if (primary && !async) step.world().ghost.acknowledged[i] = txn.commit_ts;
  } else if (Is<mvcc::CommitTsExpired>(outcome.error()) && primary && !async) {
    AdvanceTo(txn, Phase::kGetCommitTs);
    emit(label + " (commit_ts expired)", step.Finish());
    return;
  } else if (Is<mvcc::TxnLockNotFound>(outcome.error()) && primary && !async) {
    AdvanceTo(txn, Phase::kAborted);  // rolled back by a resolver
    emit(label + " (rolled back)", step.Finish());
    return;
  } else if (!Is<mvcc::TxnLockNotFound>(outcome.error())) {
    step.Unexpected(label, outcome.error());
  }
  // A lost secondary (TxnLockNotFound) is left for NoLostCommit to report.
  if (primary) {
    AdvanceTo(txn, Phase::kCommittingSecondaries);
    txn.next = 1;
  } else {
    ++txn.next;
  }
  if (txn.next >= spec.write_keys.size()) AdvanceTo(txn, Phase::kDone);
  emit(label, step.Finish());
}

void RollbackStep(const World& world, uint32_t i, const EmitStep& emit) {
  Step step(world);
  TxnState& txn = step.world().txns[i];
  const std::string label = TxnName(i) + " rollback";
  mvcc::MvccTxn buffer(Ts(txn.start_ts));
  mvcc::Outcome outcome = mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    outcome = actions::BatchRollback(buffer, reader, world.spec(i).write_keys,
                                     Ts(txn.start_ts));
  }
  if (outcome.ok()) {
    step.Apply(buffer);
  } else {
    step.Unexpected(label, outcome.error());
  }
  AdvanceTo(txn, Phase::kAborted);
  emit(label, step.Finish());
}

void ClientSteps(const World& world, uint32_t i, const EmitStep& emit) {
  switch (world.txns[i].phase) {
    case Phase::kNotStarted:
      return BeginStep(world, i, emit);
    case Phase::kReading:
      return ReadStep(world, i, emit);
    case Phase::kLocking:
      return LockStep(world, i, emit);
    case Phase::kPrewriting:
      return PrewriteStep(world, i, emit);
    case Phase::kGetCommitTs:
      return GetCommitTsStep(world, i, emit);
    case Phase::kCommittingPrimary:
    case Phase::kCommittingSecondaries:
      return CommitStep(world, i, emit);
    case Phase::kRollingBack:
      return RollbackStep(world, i, emit);
    case Phase::kDone:
    case Phase::kAborted:
      return;
  }
}

// The first key (in the txn's key order) holding a lock of txn i.
std::optional<std::pair<std::string, Lock>> FindLock(const World& world,
                                                     uint32_t i) {
  const MapStore::Table& locks = world.store.table(core::env::Cf::kLock);
  for (const std::string& key : world.spec(i).write_keys) {
    auto it = locks.find(Key::FromRaw(key).encoded());
    if (it == locks.end()) continue;
    absl::StatusOr<Lock> lock = Lock::Parse(it->second);
    CHECK(lock.ok()) << lock.status();
    if (lock->ts.value() == world.txns[i].start_ts)
      return std::make_pair(key, *lock);
  }
  return std::nullopt;
}

// Async-commit recovery: commit at max(min_commit_ts) iff every key is
// prewritten (client-go resolveAsyncCommitLock).
std::optional<uint64_t> DecideAsync(Step& step, uint32_t i,
                                    const Lock& primary) {
  mvcc::MvccTxn buffer(primary.ts);
  mvcc::Result<actions::SecondaryLocksStatus> status =
      mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    status = actions::CheckSecondaryLocks(buffer, reader, primary.secondaries,
                                          primary.ts);
  }
  if (!status.ok()) {
    step.Unexpected(TxnName(i) + " check secondaries", status.error());
    return std::nullopt;
  }
  step.Apply(buffer);
  switch (status->kind) {
    case actions::SecondaryLocksStatus::Kind::kCommitted:
      return status->commit_ts.value();
    case actions::SecondaryLocksStatus::Kind::kRolledBack:
      return 0;
    case actions::SecondaryLocksStatus::Kind::kLocked: {
      TimeStamp commit_ts = primary.min_commit_ts;
      for (const mvcc::LockInfo& info : status->locks) {
        commit_ts = std::max(commit_ts, info.min_commit_ts);
      }
      return commit_ts.value();
    }
  }
  return std::nullopt;
}

void DecideStep(const World& world, uint32_t i, const Lock& lock,
                const EmitStep& emit) {
  Step step(world);
  uint64_t current_ts = 0;
  if (!step.TakeTs(&current_ts)) return;
  const std::string label = "R checks " + TxnName(i);
  actions::CheckTxnStatusArgs args;
  args.lock_ts = lock.ts;
  args.caller_start_ts = TimeStamp::Max();
  args.current_ts = Ts(current_ts);
  mvcc::MvccTxn buffer(lock.ts);
  mvcc::Result<actions::TxnStatus> status = mvcc::InvalidRequestErr("unset");
  const Key primary = Key::FromRaw(lock.primary);
  {
    mvcc::MvccReader reader = step.Reader();
    status = actions::CheckTxnStatus(buffer, reader, step.cm(), primary, args);
  }
  if (!status.ok()) {
    step.Unexpected(label, status.error());
    emit(label + " (unexpected)", step.Finish());
    return;
  }
  step.Apply(buffer);
  std::optional<uint64_t> decision;
  if (status->kind == actions::TxnStatus::Kind::kCommitted) {
    decision = status->commit_ts.value();
  } else if (status->IsRolledBack()) {
    decision = 0;
  } else if (status->lock.has_value() && status->lock->use_async_commit) {
    decision = DecideAsync(step, i, *status->lock);
  }
  if (decision.has_value()) step.world().ghost.decisions[i] = *decision;
  emit(label, step.Finish());
}

void ResolveStep(const World& world, uint32_t i, const std::string& key,
                 const Lock& lock, uint64_t commit_ts, const EmitStep& emit) {
  Step step(world);
  const std::string label = "R resolves " + TxnName(i) + " at " + key;
  mvcc::MvccTxn buffer(lock.ts);
  mvcc::Outcome outcome = mvcc::InvalidRequestErr("unset");
  {
    mvcc::MvccReader reader = step.Reader();
    outcome = actions::ResolveLock(buffer, reader, Key::FromRaw(key), lock,
                                   Ts(commit_ts));
  }
  if (outcome.ok()) {
    step.Apply(buffer);
  } else {
    step.Unexpected(label, outcome.error());
  }
  emit(label, step.Finish());
}

void ResolverSteps(const World& world, uint32_t i, const EmitStep& emit) {
  auto decision = world.ghost.decisions.find(i);
  if (decision == world.ghost.decisions.end()) {
    auto found = FindLock(world, i);
    if (found.has_value()) DecideStep(world, i, found->second, emit);
    return;
  }
  const MapStore::Table& locks = world.store.table(core::env::Cf::kLock);
  for (const std::string& key : world.spec(i).write_keys) {
    auto it = locks.find(Key::FromRaw(key).encoded());
    if (it == locks.end()) continue;
    absl::StatusOr<Lock> lock = Lock::Parse(it->second);
    CHECK(lock.ok()) << lock.status();
    if (lock->ts.value() != world.txns[i].start_ts) continue;
    ResolveStep(world, i, key, *lock, decision->second, emit);
  }
}

void PutU64(std::string* out, uint64_t value) {
  core::base::PutVarint64(out, value);
}

}  // namespace

const char* TxnKindName(TxnKind kind) {
  switch (kind) {
    case TxnKind::kOptimistic:
      return "optimistic";
    case TxnKind::kPessimistic:
      return "pessimistic";
    case TxnKind::kAsyncCommit:
      return "async-commit";
    case TxnKind::kOnePc:
      return "1pc";
    case TxnKind::kReadOnly:
      return "read-only";
  }
  return "?";
}

const char* PhaseName(Phase phase) {
  static constexpr const char* kNames[] = {"not-started",
                                           "reading",
                                           "locking",
                                           "prewriting",
                                           "get-commit-ts",
                                           "committing-primary",
                                           "committing-secondaries",
                                           "rolling-back",
                                           "done",
                                           "aborted"};
  return kNames[static_cast<size_t>(phase)];
}

World World::Initial(std::shared_ptr<const WorldConfig> config) {
  World world;
  world.txns.resize(config->txns.size());
  world.config = std::move(config);
  return world;
}

std::string World::ValueOf(uint32_t index) const {
  std::string value = "t" + std::to_string(index + 1);
  if (spec(index).long_values) value += ":" + std::string(300, 'x');
  return value;
}

uint32_t World::WriterOf(const std::string& value) {
  if (value.size() < 2 || value.size() > 400 || value[0] != 't')
    return kForeignWriter;
  uint32_t writer = 0;
  for (size_t i = 1; i < value.size() && value[i] != ':'; ++i) {
    if (value[i] < '0' || value[i] > '9' || i > 6) return kForeignWriter;
    writer = writer * 10 + static_cast<uint32_t>(value[i] - '0');
  }
  return writer == 0 ? kForeignWriter : writer;
}

std::string World::Fingerprint() const {
  std::string out;
  store.AppendFingerprint(&out);
  PutU64(&out, max_ts);
  PutU64(&out, tso);
  for (const TxnState& txn : txns) {
    out.push_back(static_cast<char>(txn.phase));
    PutU64(&out, txn.start_ts);
    PutU64(&out, txn.for_update_ts);
    PutU64(&out, txn.commit_ts);
    PutU64(&out, txn.next);
    PutU64(&out, txn.max_min_commit_ts);
  }
  PutU64(&out, ghost.reads.size());
  for (const ReadRecord& read : ghost.reads) {
    PutU64(&out, read.txn);
    core::base::PutLengthPrefixed(&out, read.key);
    PutU64(&out, read.ts);
    PutU64(&out, read.writer);
  }
  for (const auto* map :
       {&ghost.decisions, &ghost.acknowledged, &ghost.conflict_check_ts}) {
    PutU64(&out, map->size());
    for (const auto& [txn, ts] : *map) {
      PutU64(&out, txn);
      PutU64(&out, ts);
    }
  }
  PutU64(&out, ghost.reads_before_prewrite.size());
  for (const auto& [txn_key, ts] : ghost.reads_before_prewrite) {
    PutU64(&out, txn_key.first);
    core::base::PutLengthPrefixed(&out, txn_key.second);
    PutU64(&out, ts);
  }
  PutU64(&out, ghost.unexpected.size());
  for (const std::string& what : ghost.unexpected)
    core::base::PutLengthPrefixed(&out, what);
  return out;
}

void Successors(const World& world, const EmitStep& emit) {
  for (uint32_t i = 0; i < world.txns.size(); ++i) ClientSteps(world, i, emit);
  if (!world.config->enable_resolvers) return;
  for (uint32_t i = 0; i < world.txns.size(); ++i) {
    if (world.txns[i].start_ts != 0) ResolverSteps(world, i, emit);
  }
}

std::string Describe(const World& world) {
  std::ostringstream out;
  out << "tso=" << world.tso << " max_ts=" << world.max_ts << "\n";
  for (uint32_t i = 0; i < world.txns.size(); ++i) {
    const TxnState& txn = world.txns[i];
    out << "  " << TxnName(i) << " (" << TxnKindName(world.spec(i).kind)
        << ") phase=" << PhaseName(txn.phase) << " start=" << txn.start_ts
        << " for_update=" << txn.for_update_ts << " commit=" << txn.commit_ts
        << "\n";
  }
  for (const auto& [key, value] : world.store.table(core::env::Cf::kLock)) {
    auto lock = Lock::Parse(value);
    out << "  lock " << Key::FromEncoded(key) << " ";
    if (lock.ok()) {
      out << *lock;
    } else {
      out << lock.status();
    }
    out << "\n";
  }
  for (const auto& [key, value] : world.store.table(core::env::Cf::kWrite)) {
    auto split = Key::SplitVersionKey(key);
    auto write = mvcc::Write::Parse(value);
    if (!split.ok() || !write.ok()) {
      out << "  write <corrupt>\n";
      continue;
    }
    out << "  write " << split->first << "@" << split->second.value() << " "
        << *write << "\n";
  }
  for (const auto& [txn, ts] : world.ghost.decisions) {
    out << "  decision " << TxnName(txn) << " -> " << ts << "\n";
  }
  for (const auto& [txn, ts] : world.ghost.acknowledged) {
    out << "  acknowledged " << TxnName(txn) << " at " << ts << "\n";
  }
  for (const ReadRecord& read : world.ghost.reads) {
    out << "  read T" << read.txn << " " << read.key << "@" << read.ts;
    if (read.writer == World::kForeignWriter) {
      out << " saw a value no txn wrote\n";
    } else {
      out << " saw T" << read.writer << "\n";
    }
  }
  for (const std::string& what : world.ghost.unexpected) {
    out << "  unexpected " << what << "\n";
  }
  return out.str();
}

}  // namespace spec::percolator
