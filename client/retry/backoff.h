// Backoff with client-go's kinds (tikv/client-go config/retry/config.go,
// backoff.go): every kind of trouble has its own base, cap and jitter, and
// one Backoffer per operation spends a total sleep budget across them.
//
//   Backoffer bo(executor, kRawkvMaxBackoff, random.NextU64());
//   while (...) {
//     ... a region error ...
//     RETURN_IF_ERROR(bo.Backoff(kBoRegionMiss, why));  // sleeps
//   }
//
// Semantics (client-go's):
//   * A kind's n-th sleep (n from 0) is expo = min(cap, base * 2^n), drawn
//     by its jitter: none (expo), full (uniform [0, expo]), equal (uniform
//     [expo/2, expo]), decorrelated (min(cap, base + uniform [0, 3 * last -
//     base])). Kinds count their attempts separately.
//   * The budget is the total slept by this Backoffer (and what it was
//     forked from). Once it is spent, Backoff sleeps no more and fails with
//     the error of the kind that slept longest, naming the budget, every
//     kind's share and the last error (absl code: the kind's).
//   * Jitter comes from a Prng seeded by the caller (a core::env::Random
//     draw): no ambient randomness, runs replay.
//
// Thread-affinity: one fibre at a time (Fork for concurrent sub-tasks).
#ifndef CLIENT_RETRY_BACKOFF_H_
#define CLIENT_RETRY_BACKOFF_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/env/executor.h"

namespace client::retry {

enum class Jitter : uint8_t { kNone, kFull, kEqual, kDecorrelated };

// One kind of backoff. `code` and `error` are what the operation fails with
// when the budget runs out while this kind slept longest.
struct BackoffConfig {
  const char* name;
  core::base::Duration base;
  core::base::Duration cap;
  Jitter jitter;
  absl::StatusCode code;
  const char* error;
};

// client-go v2.0.4's kinds (config/retry/config.go).
inline constexpr BackoffConfig kBoTiKVRPC{
    "tikvRPC",
    core::base::Duration::Milliseconds(100),
    core::base::Duration::Milliseconds(2000),
    Jitter::kEqual,
    absl::StatusCode::kUnavailable,
    "tikv server timeout"};
inline constexpr BackoffConfig kBoTxnLock{
    "txnLock",
    core::base::Duration::Milliseconds(100),
    core::base::Duration::Milliseconds(3000),
    Jitter::kEqual,
    absl::StatusCode::kDeadlineExceeded,
    "resolve lock timeout"};
// A reader waiting out a live lock (client-go BoTxnLockFast, base
// kv.DefBackoffLockFast 10 ms).
inline constexpr BackoffConfig kBoTxnLockFast{
    "txnLockFast",
    core::base::Duration::Milliseconds(10),
    core::base::Duration::Milliseconds(3000),
    Jitter::kEqual,
    absl::StatusCode::kDeadlineExceeded,
    "resolve lock timeout"};
inline constexpr BackoffConfig kBoPDRPC{
    "pdRPC",
    core::base::Duration::Milliseconds(500),
    core::base::Duration::Milliseconds(3000),
    Jitter::kEqual,
    absl::StatusCode::kUnavailable,
    "pd server timeout"};
inline constexpr BackoffConfig kBoRegionMiss{
    "regionMiss",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(500),
    Jitter::kNone,
    absl::StatusCode::kUnavailable,
    "region unavailable"};
inline constexpr BackoffConfig kBoRegionScheduling{
    "regionScheduling",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(500),
    Jitter::kNone,
    absl::StatusCode::kUnavailable,
    "region unavailable"};
inline constexpr BackoffConfig kBoTiKVServerBusy{
    "tikvServerBusy",
    core::base::Duration::Milliseconds(2000),
    core::base::Duration::Milliseconds(10000),
    Jitter::kEqual,
    absl::StatusCode::kResourceExhausted,
    "tikv server is busy"};
inline constexpr BackoffConfig kBoTxnNotFound{
    "txnNotFound",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(500),
    Jitter::kNone,
    absl::StatusCode::kDeadlineExceeded,
    "resolve lock timeout"};
inline constexpr BackoffConfig kBoStaleCmd{
    "staleCommand",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(1000),
    Jitter::kNone,
    absl::StatusCode::kUnavailable,
    "tikv stale command"};
inline constexpr BackoffConfig kBoMaxTsNotSynced{
    "maxTsNotSynced",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(500),
    Jitter::kNone,
    absl::StatusCode::kUnavailable,
    "tikv max timestamp not synced"};
inline constexpr BackoffConfig kBoMaxRegionNotInitialized{
    "regionNotInitialized",
    core::base::Duration::Milliseconds(2),
    core::base::Duration::Milliseconds(1000),
    Jitter::kNone,
    absl::StatusCode::kUnavailable,
    "region not initialized"};

// Budgets of one operation (client-go rawkv.go, txnkv): 20 s.
inline constexpr core::base::Duration kRawkvMaxBackoff =
    core::base::Duration::Seconds(20);

// The sleep of attempt `attempt` (from 0) of a kind: min(cap, base * 2^n)
// drawn by `jitter`; `last_sleep` is the previous one (decorrelated jitter).
// Also PdClient's backoff (equal jitter, its own base and cap, no budget).
core::base::Duration JitteredSleep(core::base::Duration base,
                                   core::base::Duration cap, Jitter jitter,
                                   int attempt, core::base::Duration last_sleep,
                                   core::base::Prng& prng);

// One kind's sleeps: attempts and the last sleep (for decorrelated jitter).
class BackoffFn {
 public:
  BackoffFn(core::base::Duration base, core::base::Duration cap, Jitter jitter);
  // The next sleep, counting one attempt.
  core::base::Duration Next(core::base::Prng& prng);
  int attempts() const { return attempts_; }

 private:
  core::base::Duration base_;
  core::base::Duration cap_;
  Jitter jitter_;
  int attempts_ = 0;
  core::base::Duration last_sleep_;
};

class Backoffer {
 public:
  // `max_sleep`: the budget (Zero: unlimited); `seed` seeds the jitter.
  Backoffer(core::env::Executor& executor, core::base::Duration max_sleep,
            uint64_t seed);

  // Sleeps the next step of `config`, or fails once the budget is spent;
  // `error` is why the caller backs off (kept for the final error).
  absl::Status Backoff(const BackoffConfig& config, const absl::Status& error);
  // The step Backoff would sleep, without sleeping (counts it as slept).
  absl::StatusOr<core::base::Duration> NextSleep(const BackoffConfig& config,
                                                 const absl::Status& error);

  // A Backoffer for a concurrent sub-task: the same budget, what was slept
  // so far counted, its own jitter stream and kind attempts from here.
  Backoffer Fork();

  core::base::Duration total_sleep() const { return total_sleep_; }
  core::base::Duration max_sleep() const { return max_sleep_; }
  // Times each kind slept so far.
  int attempts(const BackoffConfig& config) const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  absl::Status BudgetSpent(const BackoffConfig& config) const;

  core::env::Executor* executor_;
  core::base::Duration max_sleep_;
  core::base::Prng prng_;
  core::base::Duration total_sleep_;
  std::map<std::string_view, BackoffFn> fns_;
  std::map<std::string_view, core::base::Duration> slept_by_kind_;
  std::map<std::string_view, const BackoffConfig*> configs_;
  std::vector<std::string> errors_;
};

}  // namespace client::retry

#endif  // CLIENT_RETRY_BACKOFF_H_
