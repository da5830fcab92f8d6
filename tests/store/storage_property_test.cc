// RapidCheck: several fibres issue random transactional and raw commands
// against Storage over LocalEngine on a SimDisk (synced writes park for
// random latencies, so commands interleave and wait on latches), with
// random write failures (EIO, StaleCommand) injected at the seam. Every
// result must agree with StorageModel applied in return order, and at the
// end the store holds exactly the model's state with no latch and no
// memory lock left. Between rounds, with no command in flight, range
// commands (raw and txn DeleteRange, Gc) run alone: they take no latches
// (as in TiKV), so they are atomic only on a quiet range.
//
// Clients begin a transaction (take start_ts), think, prewrite, think, then
// commit or roll back; others check on pending transactions
// (CheckTxnStatus with TTL 0 rolls them back). Besides the results, every
// commit must land above every value read of its keys served before it
// (AsyncCommitTsAboveReads; for 2PC the lock blocks such reads). By hand:
// skipping the latches, or releasing memory locks before the write, makes
// this test fail within a few dozen cases.
//
// Relaxation, by design: an async-commit / 1PC prewrite places memory locks
// before its write is applied, so a concurrent read may fail with
// KeyIsLocked on a lock the model does not have yet; the read is accepted
// when that lock belongs to a prewrite still in flight on that key.
// Ref: tikv src/storage/txn/scheduler.rs (latches), concurrency_manager.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "tests/store/storage_harness.h"
#include "tests/store/storage_model.h"

namespace store::storage::testing {
namespace {

using core::base::TimeStamp;
using Kind = core::txn::actions::TxnStatus::Kind;

const std::vector<std::string> kKeys = {"a", "b", "c", "ra"};
// API V1: raw and transactional keys share one key space, and users keep
// them apart (a transactional DeleteRange [a, b) covers the raw key "b",
// which sorts between the encodings of "a" and "b"). Raw commands use the
// same keys behind '~', above every encoded transactional key here.
const std::vector<std::string> kRawKeys = {"~a", "~b", "~c", "~ra"};

enum class Op {
  kRawGet,
  kRawPut,
  kRawDelete,
  kRawCas,
  kRawBatchGet,
  kTxnStep,  // prewrite a new txn, or commit / roll back the pending one
  kTxnGet,
  kTxnScan,
  kCheckTxnStatus,
};

struct Intent {
  Op op = Op::kRawGet;
  // Small random parameters, interpreted by the op.
  int a = 0, b = 0, c = 0;
};

// For RapidCheck's counterexamples.
void showValue(const Intent& intent, std::ostream& out) {
  static constexpr const char* kNames[] = {
      "raw_get",  "raw_put", "raw_delete", "raw_cas",         "raw_batch_get",
      "txn_step", "txn_get", "txn_scan",   "check_txn_status"};
  out << kNames[static_cast<int>(intent.op)] << "(" << intent.a << ","
      << intent.b << "," << intent.c << ")";
}

// Drawn at full size: RapidCheck scales ranges down in early cases, which
// would leave most of them with two fibres on one key.
template <typename T>
T Draw(rc::Gen<T> gen) {
  return *rc::gen::resize(100, std::move(gen));
}

rc::Gen<Intent> GenIntent() {
  return rc::gen::build<Intent>(
      rc::gen::set(&Intent::op,
                   rc::gen::element(Op::kRawGet, Op::kRawPut, Op::kRawDelete,
                                    Op::kRawCas, Op::kRawBatchGet, Op::kTxnStep,
                                    Op::kTxnStep, Op::kTxnStep, Op::kTxnStep,
                                    Op::kTxnGet, Op::kTxnGet, Op::kTxnScan,
                                    Op::kCheckTxnStatus, Op::kCheckTxnStatus)),
      rc::gen::set(&Intent::a, rc::gen::inRange(0, 64)),
      rc::gen::set(&Intent::b, rc::gen::inRange(0, 64)),
      rc::gen::set(&Intent::c, rc::gen::inRange(0, 64)));
}

struct PendingTxn {
  TimeStamp start_ts;
  std::vector<std::string> keys;  // primary first
};

// Everything the fibres share: the model, the TSO, the registry of pending
// transactions (for CheckTxnStatus by others) and of prewrites in flight.
struct World {
  StorageHarness* h = nullptr;
  StorageModel model;
  uint64_t tso = 0;
  uint64_t next_value = 0;
  std::map<int, PendingTxn> pending;  // by fibre
  // Transactions begun (start_ts taken) but not yet prewritten, by fibre.
  std::map<int, TimeStamp> begun;
  std::map<TimeStamp, std::set<std::string>> in_flight_memory_locks;
  std::ostringstream log;
  int injected = 0, conflicts = 0, cts_rollbacks = 0;

  // Physical ms n, logical 0: values are multiples of 2^18, so a 1PC
  // commit_ts (max_ts + 1) never equals a TSO value.
  TimeStamp Tso() { return TimeStamp::Compose(++tso, 0); }
  std::string Value() { return "v" + std::to_string(++next_value); }
};

// RapidCheck reports a failed assertion by throwing; a fibre keeps the
// first one for the test's own stack.
struct FibreFailures {
  std::exception_ptr first;
  std::function<void()> Guard(std::function<void()> body) {
    return [this, body = std::move(body)] {
      try {
        body();
      } catch (const rc::detail::CaseResult&) {
        if (!first) first = std::current_exception();
      }
    };
  }
  void Rethrow() const {
    if (first) std::rethrow_exception(first);
  }
};

bool Injected(const Error& error) {
  if (RegionErrorAs<StaleCommand>(error) != nullptr) return true;
  const auto* storage = KeyErrorAs<core::mvcc::StorageError>(error);
  return storage != nullptr && storage->status.message() == "injected";
}

// A read's KeyIsLocked on a lock the model lacks is fine only when it is the
// memory lock of a prewrite still in flight on that key.
bool InFlightLock(const World& w, const core::mvcc::KeyIsLocked& locked) {
  auto it = w.in_flight_memory_locks.find(locked.info.lock_version);
  return it != w.in_flight_memory_locks.end() &&
         it->second.contains(locked.info.key);
}

void RunRaw(World& w, const Intent& intent) {
  StorageHarness& h = *w.h;
  const std::string& key = kRawKeys[intent.a % kRawKeys.size()];
  switch (intent.op) {
    case Op::kRawGet: {
      auto got = h.storage().Execute(h.ctx(), RawGet{.key = key});
      RC_ASSERT(got.ok());
      RC_ASSERT(got->value == w.model.RawGet(key));
      return;
    }
    case Op::kRawPut: {
      const std::string value = w.Value();
      auto put =
          h.storage().Execute(h.ctx(), RawPut{.key = key, .value = value});
      if (!put.ok()) RC_ASSERT(Injected(put.error()));
      if (put.ok()) w.model.RawPut(key, value);
      return;
    }
    case Op::kRawDelete: {
      auto deleted = h.storage().Execute(h.ctx(), RawDelete{.key = key});
      if (!deleted.ok()) RC_ASSERT(Injected(deleted.error()));
      if (deleted.ok()) w.model.RawDelete(key);
      return;
    }
    default:
      break;
  }
  if (intent.op == Op::kRawBatchGet) {
    auto got = h.storage().Execute(h.ctx(), RawBatchGet{.keys = kRawKeys});
    RC_ASSERT(got.ok());
    std::vector<core::rawkv::KvPair> expected;
    for (const std::string& k : kRawKeys) {
      if (auto value = w.model.RawGet(k)) expected.push_back({k, *value});
    }
    RC_ASSERT(got->pairs == expected);
    return;
  }
  // CAS: expect the current value half the time, a stale guess otherwise.
  std::optional<std::string> expected =
      intent.b % 2 == 0
          ? w.model.RawGet(key)
          : std::optional<std::string>("v" + std::to_string(intent.b % 8));
  std::optional<std::string> value;
  if (intent.c % 4 != 0) value = w.Value();
  auto cas = h.storage().Execute(
      h.ctx(), RawCompareAndSwap{
                   .key = key, .previous_value = expected, .value = value});
  if (!cas.ok()) {
    RC_ASSERT(Injected(cas.error()));
    return;
  }
  // The model as of this command's return: its serial position.
  const std::optional<std::string> before = w.model.RawGet(key);
  RC_ASSERT(cas->previous_value == before);
  RC_ASSERT(cas->succeed == (before == expected));
  if (!cas->succeed) return;
  if (value.has_value()) {
    w.model.RawPut(key, *value);
  } else {
    w.model.RawDelete(key);
  }
}

void CheckRead(World& w, const std::string& key, TimeStamp read_ts,
               const StorageModel::Read& want,
               const std::optional<core::mvcc::KeyIsLocked>& locked,
               const std::optional<std::string>& value) {
  if (locked.has_value()) {
    const TimeStamp* lock_ts = std::get_if<TimeStamp>(&want);
    RC_ASSERT((lock_ts != nullptr && *lock_ts == locked->info.lock_version) ||
              InFlightLock(w, *locked));
    return;
  }
  const auto* want_value = std::get_if<std::optional<std::string>>(&want);
  RC_ASSERT(want_value != nullptr);
  w.model.ObserveValueRead(key, read_ts);
  if (*want_value != value) {
    RC_FAIL("read " + key + " = " + value.value_or("<none>") + ", model says " +
            want_value->value_or("<none>"));
  }
}

void RunTxnRead(World& w, const Intent& intent) {
  StorageHarness& h = *w.h;
  const TimeStamp read_ts = w.Tso();
  if (intent.op == Op::kTxnGet) {
    const std::string& key = kKeys[intent.a % kKeys.size()];
    auto got = h.storage().Execute(h.ctx(), Get{key, read_ts});
    w.model.ObserveRead(read_ts);
    if (!got.ok()) {
      const auto* locked = KeyErrorAs<core::mvcc::KeyIsLocked>(got.error());
      RC_ASSERT(locked != nullptr);
      CheckRead(w, key, read_ts, w.model.Get(key, read_ts), *locked,
                std::nullopt);
      return;
    }
    CheckRead(w, key, read_ts, w.model.Get(key, read_ts), std::nullopt,
              got->value);
    return;
  }
  auto scanned = h.storage().Execute(h.ctx(), Scan{"", "", read_ts});
  w.model.ObserveRead(read_ts);
  if (!scanned.ok()) {
    // Only a memory lock fails a whole scan.
    const auto* locked = KeyErrorAs<core::mvcc::KeyIsLocked>(scanned.error());
    RC_ASSERT(locked != nullptr && InFlightLock(w, *locked));
    return;
  }
  const auto expected = w.model.Scan(read_ts);
  RC_ASSERT(scanned->pairs.size() == expected.size());
  // A scan also reads the absence of every key it does not return.
  for (const std::string& key : kKeys) {
    const bool returned = std::any_of(
        scanned->pairs.begin(), scanned->pairs.end(),
        [&](const core::mvcc::KvPair& pair) { return pair.key == key; });
    if (!returned) w.model.ObserveValueRead(key, read_ts);
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const core::mvcc::KvPair& pair = scanned->pairs[i];
    RC_ASSERT(pair.key == expected[i].first);
    std::optional<std::string> value;
    if (!pair.locked.has_value()) value = pair.value;
    CheckRead(w, pair.key, read_ts, expected[i].second, pair.locked, value);
  }
}

void Prewrite2pcOr1pc(World& w, int fibre, const Intent& intent) {
  StorageHarness& h = *w.h;
  Prewrite cmd;
  cmd.start_ts = w.begun.at(fibre);
  w.begun.erase(fibre);
  std::vector<std::string> keys = {kKeys[intent.a % kKeys.size()]};
  const std::string& second = kKeys[(intent.b / 2) % kKeys.size()];
  if (intent.b % 2 == 0 && second != keys[0]) keys.push_back(second);
  for (const std::string& key : keys) {
    cmd.mutations.push_back(intent.c % 5 == 0 ? Delete(key)
                                              : Put(key, w.Value()));
  }
  cmd.primary = keys[0];
  cmd.lock_ttl = intent.c % 2 == 0 ? 0 : 1'000'000;
  cmd.try_one_pc = intent.c % 4 == 0;
  // Reads that returned before the prewrite began must stay below a 1PC
  // commit_ts (AsyncCommitTsAboveReads); later ones may raise max_ts after
  // it was computed.
  const TimeStamp served_before = w.model.max_read_ts();
  if (cmd.try_one_pc) {
    w.in_flight_memory_locks[cmd.start_ts] = {keys.begin(), keys.end()};
  }
  auto result = h.storage().Execute(h.ctx(), cmd);
  w.in_flight_memory_locks.erase(cmd.start_ts);
  // Judged against the model as of the return: its serial position.
  const auto at_return = w.model.ExpectPrewrite(cmd);
  if (!result.ok()) {
    if (Injected(result.error())) {
      ++w.injected;
      return;
    }
    RC_ASSERT(KeyErrorAs<core::mvcc::WriteConflict>(result.error()) != nullptr);
    RC_ASSERT(!at_return.has_value());
    ++w.conflicts;
    return;
  }
  RC_ASSERT(at_return.has_value());
  std::vector<TimeStamp> met;
  for (const auto& lock : result->locks) met.push_back(lock.info.lock_version);
  RC_ASSERT(met == *at_return);
  if (!met.empty()) return;
  if (cmd.try_one_pc) {
    RC_ASSERT(result->one_pc_commit_ts > cmd.start_ts);
    RC_ASSERT(result->one_pc_commit_ts > served_before);
    RC_ASSERT(w.model.CommitAboveValueReads(keys, result->one_pc_commit_ts));
  }
  w.model.ApplyPrewrite(cmd, result->one_pc_commit_ts);
  if (!cmd.try_one_pc) w.pending[fibre] = PendingTxn{cmd.start_ts, keys};
}

// Commits (intent.a odd) or rolls back the fibre's pending transaction. A
// commit that finds its primary rolled back (a CheckTxnStatus by another
// fibre expired it) rolls back the rest, as a client would.
void FinishTxn(World& w, int fibre, bool commit) {
  StorageHarness& h = *w.h;
  const PendingTxn txn = w.pending.at(fibre);
  if (commit) {
    const TimeStamp commit_ts = w.Tso();
    auto result =
        h.storage().Execute(h.ctx(), Commit{txn.keys, txn.start_ts, commit_ts});
    const bool expect_ok = w.model.ExpectCommit(txn.keys, txn.start_ts);
    if (result.ok()) {
      RC_ASSERT(expect_ok);
      RC_ASSERT(w.model.CommitAboveValueReads(txn.keys, commit_ts));
      w.model.ApplyCommit(txn.keys, txn.start_ts, commit_ts);
      w.pending.erase(fibre);
      return;
    }
    if (Injected(result.error())) {
      ++w.injected;
      return;
    }
    RC_ASSERT(KeyErrorAs<core::mvcc::TxnLockNotFound>(result.error()) !=
              nullptr);
    RC_ASSERT(!expect_ok);
  }
  auto rolled =
      h.storage().Execute(h.ctx(), BatchRollback{txn.keys, txn.start_ts});
  const bool expect_ok = w.model.ExpectRollback(txn.keys, txn.start_ts);
  if (!rolled.ok()) {
    if (Injected(rolled.error())) {
      ++w.injected;
      return;
    }
    RC_FAIL("rollback failed: " + ErrorToString(rolled.error()));
  }
  RC_ASSERT(expect_ok);
  w.model.ApplyRollback(txn.keys, txn.start_ts);
  w.pending.erase(fibre);
}

void CheckOthersTxn(World& w, int fibre, const Intent& intent) {
  std::vector<PendingTxn> others;
  for (const auto& [owner, txn] : w.pending) {
    if (owner != fibre) others.push_back(txn);
  }
  if (others.empty()) return;
  const PendingTxn txn = others[intent.a % others.size()];
  CheckTxnStatus cmd;
  cmd.primary_key = txn.keys[0];
  cmd.lock_ts = txn.start_ts;
  cmd.current_ts = w.Tso();
  cmd.caller_start_ts = cmd.current_ts;
  auto status = w.h->storage().Execute(w.h->ctx(), cmd);
  if (!status.ok()) {
    RC_ASSERT(Injected(status.error()));
    ++w.injected;
    return;
  }
  const Kind expected = w.model.CheckTxnStatus(txn.keys[0], txn.start_ts,
                                               cmd.current_ts, /*apply=*/true);
  if (status->kind != expected) {
    RC_FAIL(std::string("check_txn_status: ") +
            core::txn::actions::TxnStatusKindName(status->kind) +
            ", model says " + core::txn::actions::TxnStatusKindName(expected));
  }
  if (expected == Kind::kTtlExpire) ++w.cts_rollbacks;
}

void RunIntent(World& w, int fibre, const Intent& intent) {
  switch (intent.op) {
    case Op::kTxnStep:
      if (!w.pending.contains(fibre) && !w.begun.contains(fibre)) {
        // Begin: the start_ts comes first, the prewrite a while later (as
        // a client reads before it writes), so others may commit between.
        w.begun[fibre] = w.Tso();
        return;
      }
      if (!w.pending.contains(fibre)) return Prewrite2pcOr1pc(w, fibre, intent);
      // Half the time the client is not done yet: others may check on it.
      if (intent.b % 2 == 1) return RunTxnRead(w, intent);
      return FinishTxn(w, fibre, intent.a % 2 == 1);
    case Op::kTxnGet:
    case Op::kTxnScan:
      return RunTxnRead(w, intent);
    case Op::kCheckTxnStatus:
      return CheckOthersTxn(w, fibre, intent);
    default:
      return RunRaw(w, intent);
  }
}

// A range command alone on a quiet store (see the header).
void RunRangeCommand(World& w, int which, int from, int to) {
  StorageHarness& h = *w.h;
  const size_t low = std::min(from % kKeys.size(), to % kKeys.size());
  const size_t high = std::max(from % kKeys.size(), to % kKeys.size());
  const std::string start = kKeys[low];
  const std::string end = kKeys[high] + "\xff";
  Outcome outcome = core::base::Unit{};
  switch (which % 3) {
    case 0:
      outcome = h.storage().Execute(
          h.ctx(),
          RawDeleteRange{.start_key = "~" + start, .end_key = "~" + end});
      if (outcome.ok()) w.model.RawDeleteRange("~" + start, "~" + end);
      break;
    case 1:
      outcome = h.storage().Execute(h.ctx(), DeleteRange{start, end});
      if (outcome.ok()) w.model.DeleteRange(start, end);
      break;
    default: {
      // No lock remains below the safe point (the fibres finished their
      // transactions), and every later read is above it: the model does
      // not change.
      auto collected = h.storage().Execute(h.ctx(), Gc{w.Tso(), "", ""});
      if (!collected.ok()) outcome = core::base::MakeErr(collected.error());
      break;
    }
  }
  if (!outcome.ok()) RC_ASSERT(Injected(outcome.error()));
}

// The store holds exactly the model's state, and nothing is left latched.
void CheckFinalState(World& w, FibreFailures& failures) {
  StorageHarness& h = *w.h;
  h.RunFibre(failures.Guard([&] {
    RunTxnRead(w, Intent{Op::kTxnScan, 0, 0, 0});
    auto raw =
        h.storage().Execute(h.ctx(), RawScan{.start_key = "~", .limit = 100});
    RC_ASSERT(raw.ok());
    std::map<std::string, std::string> got;
    for (const auto& pair : raw->pairs) got[pair.key] = pair.value;
    RC_ASSERT(got == w.model.raw());
    auto locks = h.storage().Execute(h.ctx(), ScanLock{w.Tso(), "", "", 0});
    RC_ASSERT(locks.ok());
    std::map<std::string, TimeStamp> lock_ts;
    for (const auto& lock : locks->locks) lock_ts[lock.key] = lock.lock_version;
    std::map<std::string, TimeStamp> want;
    for (const auto& [key, lock] : w.model.locks()) want[key] = lock.start_ts;
    RC_ASSERT(lock_ts == want);
  }));
  failures.Rethrow();
  RC_ASSERT(h.storage().scheduler().latch_entry_count() == 0u);
  RC_ASSERT(h.cm().memory_lock_count() == 0u);
  RC_ASSERT(h.storage().scheduler().running_write_count() == 0u);
}

RC_GTEST_PROP_N(StorageProperty, ConcurrentCommandsAgreeWithASequentialModel,
                150, 100, ()) {
  const uint64_t seed = Draw(rc::gen::inRange<uint64_t>(1, 1'000'000));
  const int fibres = Draw(rc::gen::inRange(2, 6));
  const int rounds = Draw(rc::gen::inRange(1, 4));
  const int fault_percent = *rc::gen::element(0, 5, 15);
  HarnessOptions options;
  options.disk_latency = true;
  options.seed = seed;
  options.storage.resolve_lock_batch_keys = 2;
  options.storage.gc_batch_keys = 2;
  StorageHarness h(options);
  World w;
  w.h = &h;
  core::base::Prng faults(seed);
  h.engine().SetWriteFault([&]() -> std::optional<EngineError> {
    if (faults.Uniform(100) >= static_cast<uint64_t>(fault_percent)) {
      return std::nullopt;
    }
    if (faults.OneIn(2)) return RegionError(StaleCommand{});
    return absl::InternalError("injected");
  });
  FibreFailures failures;
  uint64_t latch_waits = 0;
  for (int round = 0; round < rounds; ++round) {
    for (int f = 0; f < fibres; ++f) {
      const auto script = Draw(rc::gen::container<std::vector<Intent>>(
          Draw(rc::gen::inRange(4, 21)), GenIntent()));
      h.Spawn("client", failures.Guard([&w, f, script] {
        for (const Intent& intent : script) {
          // Think time, so that reads (which never park) interleave too.
          w.h->Sleep(core::base::Duration::Microseconds(intent.c * 100));
          RunIntent(w, f, intent);
        }
        // Leave no transaction open across a round.
        w.begun.erase(f);
        while (w.pending.contains(f)) FinishTxn(w, f, /*commit=*/false);
      }));
    }
    h.Run();
    failures.Rethrow();
    RC_ASSERT(w.pending.empty());
    const auto range = Draw(rc::gen::inRange(0, 64));
    h.RunFibre(failures.Guard(
        [&] { RunRangeCommand(w, range, range / 4, range / 16); }));
    failures.Rethrow();
  }
  latch_waits = h.metrics().CounterValue("tikv_scheduler_latch_wait_total", {});
  RC_CLASSIFY(latch_waits > 0, "latch waits");
  RC_CLASSIFY(w.injected > 0, "injected failures");
  RC_CLASSIFY(w.conflicts > 0, "write conflicts");
  RC_CLASSIFY(w.cts_rollbacks > 0, "rolled back by another client");
  CheckFinalState(w, failures);
}

}  // namespace
}  // namespace store::storage::testing
