// A store's storage layer on the simulator: one node, its engine (a
// MemEngine, or a SimDisk whose synced writes park for a random latency),
// LocalEngine behind a TestEngine seam that can hold writes at a gate and
// fail them on request, the concurrency manager, in-memory metrics and the
// Storage under test. TiKV-style helpers (MustPrewritePut, MustCommit,
// MustGet, ...) run a command and fail the test at the caller's line when
// the outcome is not the expected one. Every Storage call must run on a
// fibre: RunFibre(body) runs one to completion; Spawn + Run interleave
// several.
#ifndef TESTS_STORE_STORAGE_HARNESS_H_
#define TESTS_STORE_STORAGE_HARNESS_H_

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "core/engine/mem_engine.h"
#include "core/txn/concurrency_manager.h"
#include "sim/host/sim_disk.h"
#include "sim/simulation/simulation.h"
#include "store/metrics/memory_metrics.h"
#include "store/storage/local_engine.h"
#include "store/storage/storage.h"

namespace store::storage::testing {

using Loc = std::source_location;

// The seam under test: LocalEngine, plus what a Raft engine can do to a
// request (hold it, fail it).
class TestEngine final : public Engine {
 public:
  TestEngine(core::env::Executor& executor, core::env::Engine& engine,
             LocalEngineOptions options);

  EngineResult<RegionSnapshot> Snapshot(const SnapContext& ctx) override;
  EngineResult<core::base::Unit> Write(
      const WriteContext& ctx, const core::env::WriteBatch& batch) override;

  // While held, every write parks before it is applied (its command keeps
  // its latches and memory locks).
  void HoldWrites();
  void ReleaseWrites();
  size_t held_writes() const { return held_writes_; }
  // The next write (snapshot) fails with `error` and applies nothing.
  void FailNextWrite(EngineError error) { write_failures_.push_back(error); }
  void FailNextSnapshot(EngineError error) {
    snapshot_failures_.push_back(error);
  }
  // Asked before every write not failed by FailNextWrite: an error fails
  // it, nothing applied.
  void SetWriteFault(std::function<std::optional<EngineError>()> fault) {
    write_fault_ = std::move(fault);
  }
  uint64_t writes_applied() const { return writes_applied_; }
  LocalEngine& local() { return local_; }

 private:
  LocalEngine local_;
  std::unique_ptr<core::env::Event> released_;
  size_t held_writes_ = 0;
  uint64_t writes_applied_ = 0;
  std::deque<EngineError> write_failures_;
  std::deque<EngineError> snapshot_failures_;
  std::function<std::optional<EngineError>()> write_fault_;
};

struct HarnessOptions {
  StorageOptions storage;
  LocalEngineOptions local;
  // A SimDisk: each synced write parks for a random latency, so concurrent
  // commands interleave.
  bool disk_latency = false;
  uint64_t seed = 1;
};

class StorageHarness {
 public:
  explicit StorageHarness(HarnessOptions options = {});
  // Stops every fibre before the engine and the storage go.
  ~StorageHarness();

  void Spawn(std::string name, std::function<void()> body);
  // Runs the loop until nothing is left to do.
  void Run();
  void RunFibre(std::function<void()> body);
  // Lets virtual time pass (raw TTLs, lock TTLs are wall-clock based).
  void Sleep(core::base::Duration duration);
  // Crashes the node, unwinding every fibre (the storage objects stay, as
  // the test's view of them), and brings it back up.
  void CrashAndRestart();

  Storage& storage() { return *storage_; }
  TestEngine& engine() { return *engine_; }
  core::env::Engine& kv_engine();
  core::txn::ConcurrencyManager& cm() { return cm_; }
  metrics::MemoryMetrics& metrics() { return metrics_; }
  core::env::Executor& executor() { return env_->executor; }
  const Context& ctx() const { return ctx_; }
  Context& mutable_ctx() { return ctx_; }
  uint64_t CommandCount(CommandKind kind) const;

 private:
  core::engine::MemEngine mem_;
  std::unique_ptr<sim::SimDisk> disk_;
  sim::Simulation sim_;
  sim::ProcessId node_;
  std::optional<core::env::Env> env_;
  std::unique_ptr<TestEngine> engine_;
  core::txn::ConcurrencyManager cm_;
  metrics::MemoryMetrics metrics_;
  std::unique_ptr<Storage> storage_;
  Context ctx_;
};

core::base::TimeStamp Ts(uint64_t value);
// A TSO timestamp at physical millisecond `ms` (lock TTLs compare these).
core::base::TimeStamp TsAt(uint64_t ms, uint64_t logical = 0);

core::txn::actions::Mutation Put(const std::string& key,
                                 const std::string& value);
core::txn::actions::Mutation Delete(const std::string& key);
core::txn::actions::Mutation Insert(const std::string& key,
                                    const std::string& value);

// The KeyError inside `error` as E, or nullptr.
template <typename E>
const E* KeyErrorAs(const Error& error) {
  const auto* key_error = std::get_if<core::mvcc::Error>(&error);
  return key_error == nullptr ? nullptr : std::get_if<E>(key_error);
}
template <typename E>
const E* RegionErrorAs(const Error& error) {
  const auto* region_error = std::get_if<RegionError>(&error);
  return region_error == nullptr ? nullptr : std::get_if<E>(region_error);
}

// Helpers in TiKV's style (src/storage/mvcc/mod.rs tests, txn/actions tests).
PrewriteResult MustPrewrite(StorageHarness& h, const Prewrite& cmd,
                            Loc loc = Loc::current());
void MustPrewritePut(StorageHarness& h, const std::string& key,
                     const std::string& value, const std::string& primary,
                     uint64_t start_ts, Loc loc = Loc::current());
Error MustPrewriteErr(StorageHarness& h, const Prewrite& cmd,
                      Loc loc = Loc::current());
void MustCommit(StorageHarness& h, const std::vector<std::string>& keys,
                uint64_t start_ts, uint64_t commit_ts,
                Loc loc = Loc::current());
Error MustCommitErr(StorageHarness& h, const std::vector<std::string>& keys,
                    uint64_t start_ts, uint64_t commit_ts,
                    Loc loc = Loc::current());
void MustGet(StorageHarness& h, const std::string& key, uint64_t ts,
             const std::string& expected, Loc loc = Loc::current());
void MustGetNone(StorageHarness& h, const std::string& key, uint64_t ts,
                 Loc loc = Loc::current());
Error MustGetErr(StorageHarness& h, const std::string& key, uint64_t ts,
                 Loc loc = Loc::current());
// A prewrite of `keys` (all puts of "v") with the first as primary.
Prewrite PrewriteOf(const std::vector<std::string>& keys, uint64_t start_ts);

// Nothing latched and no memory lock left: what every finished command must
// leave behind.
void ExpectIdle(StorageHarness& h, Loc loc = Loc::current());

}  // namespace store::storage::testing

#endif  // TESTS_STORE_STORAGE_HARNESS_H_
