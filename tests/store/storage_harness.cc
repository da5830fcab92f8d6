#include "tests/store/storage_harness.h"

#include <utility>

namespace store::storage::testing {
namespace {

#define HARNESS_FAIL_AT(loc) ADD_FAILURE_AT((loc).file_name(), (loc).line())

}  // namespace

TestEngine::TestEngine(core::env::Executor& executor, core::env::Engine& engine,
                       LocalEngineOptions options)
    : local_(engine, std::move(options)), released_(executor.NewEvent()) {
  released_->Notify();
}

EngineResult<RegionSnapshot> TestEngine::Snapshot(const SnapContext& ctx) {
  if (!snapshot_failures_.empty()) {
    EngineError error = std::move(snapshot_failures_.front());
    snapshot_failures_.pop_front();
    return core::base::MakeErr(std::move(error));
  }
  return local_.Snapshot(ctx);
}

EngineResult<core::base::Unit> TestEngine::Write(
    const WriteContext& ctx, const core::env::WriteBatch& batch) {
  {
    // Counted while parked, also when the fibre unwinds there.
    struct Held {
      size_t& count;
      explicit Held(size_t& c) : count(c) { ++count; }
      ~Held() { --count; }
    } held(held_writes_);
    released_->Wait();
  }
  if (!write_failures_.empty()) {
    EngineError error = std::move(write_failures_.front());
    write_failures_.pop_front();
    return core::base::MakeErr(std::move(error));
  }
  if (write_fault_) {
    if (std::optional<EngineError> error = write_fault_()) {
      return core::base::MakeErr(*std::move(error));
    }
  }
  auto written = local_.Write(ctx, batch);
  if (written.ok()) ++writes_applied_;
  return written;
}

void TestEngine::HoldWrites() { released_->Reset(); }
void TestEngine::ReleaseWrites() { released_->Notify(); }

StorageHarness::StorageHarness(HarnessOptions options)
    : sim_(sim::SimulationOptions{.seed = options.seed}) {
  node_ = sim_.AddNode({.host = "store", .clock = sim::ClockOptions{}});
  core::env::Engine* kv = &mem_;
  if (options.disk_latency) {
    disk_ = std::make_unique<sim::SimDisk>(sim_.loop(), node_, options.seed,
                                           sim::SimDiskOptions{});
    kv = disk_.get();
  }
  env_.emplace(sim_.MakeEnv(node_, *kv));
  engine_ = std::make_unique<TestEngine>(env_->executor, *kv, options.local);
  storage_ = std::make_unique<Storage>(env_->executor, env_->clock, *engine_,
                                       cm_, metrics_, options.storage);
  ctx_.route = engine_->local().Route();
}

StorageHarness::~StorageHarness() { sim_.loop().Shutdown(); }

core::env::Engine& StorageHarness::kv_engine() {
  if (disk_ != nullptr) return *disk_;
  return mem_;
}

void StorageHarness::Spawn(std::string name, std::function<void()> body) {
  env_->executor.Spawn(std::move(name), std::move(body));
}

void StorageHarness::Run() { sim_.loop().Run(); }

void StorageHarness::RunFibre(std::function<void()> body) {
  bool finished = false;
  Spawn("test", [&] {
    body();
    finished = true;
  });
  Run();
  EXPECT_TRUE(finished) << "the test fibre is still parked";
}

void StorageHarness::Sleep(core::base::Duration duration) {
  env_->executor.SleepFor(duration);
}

void StorageHarness::CrashAndRestart() {
  sim_.loop().Crash(node_);
  sim_.loop().Restart(node_);
}

uint64_t StorageHarness::CommandCount(CommandKind kind) const {
  return metrics_.CounterValue("tikv_storage_command_total",
                               {{"type", CommandKindName(kind)}});
}

core::base::TimeStamp Ts(uint64_t value) {
  return core::base::TimeStamp(value);
}

core::base::TimeStamp TsAt(uint64_t ms, uint64_t logical) {
  return core::base::TimeStamp::Compose(ms, logical);
}

core::txn::actions::Mutation Put(const std::string& key,
                                 const std::string& value) {
  return {core::txn::actions::MutationOp::kPut, key, value};
}
core::txn::actions::Mutation Delete(const std::string& key) {
  return {core::txn::actions::MutationOp::kDelete, key, ""};
}
core::txn::actions::Mutation Insert(const std::string& key,
                                    const std::string& value) {
  return {core::txn::actions::MutationOp::kInsert, key, value};
}

Prewrite PrewriteOf(const std::vector<std::string>& keys, uint64_t start_ts) {
  Prewrite cmd;
  for (const std::string& key : keys) cmd.mutations.push_back(Put(key, "v"));
  cmd.primary = keys.empty() ? "" : keys[0];
  cmd.start_ts = Ts(start_ts);
  cmd.lock_ttl = 3000;
  return cmd;
}

PrewriteResult MustPrewrite(StorageHarness& h, const Prewrite& cmd, Loc loc) {
  auto result = h.storage().Execute(h.ctx(), cmd);
  if (!result.ok()) {
    HARNESS_FAIL_AT(loc) << "prewrite failed: "
                         << ErrorToString(result.error());
    return {};
  }
  if (!result->locks.empty()) {
    HARNESS_FAIL_AT(loc) << "prewrite met " << result->locks.size() << " locks";
  }
  return *result;
}

void MustPrewritePut(StorageHarness& h, const std::string& key,
                     const std::string& value, const std::string& primary,
                     uint64_t start_ts, Loc loc) {
  Prewrite cmd;
  cmd.mutations = {Put(key, value)};
  cmd.primary = primary;
  cmd.start_ts = Ts(start_ts);
  cmd.lock_ttl = 3000;
  MustPrewrite(h, cmd, loc);
}

Error MustPrewriteErr(StorageHarness& h, const Prewrite& cmd, Loc loc) {
  auto result = h.storage().Execute(h.ctx(), cmd);
  if (result.ok()) {
    HARNESS_FAIL_AT(loc) << "prewrite succeeded; expected an error";
    return Error(core::mvcc::Error(core::mvcc::InvalidRequest{"none"}));
  }
  return std::move(result).error();
}

void MustCommit(StorageHarness& h, const std::vector<std::string>& keys,
                uint64_t start_ts, uint64_t commit_ts, Loc loc) {
  auto result =
      h.storage().Execute(h.ctx(), Commit{keys, Ts(start_ts), Ts(commit_ts)});
  if (!result.ok()) {
    HARNESS_FAIL_AT(loc) << "commit failed: " << ErrorToString(result.error());
  }
}

Error MustCommitErr(StorageHarness& h, const std::vector<std::string>& keys,
                    uint64_t start_ts, uint64_t commit_ts, Loc loc) {
  auto result =
      h.storage().Execute(h.ctx(), Commit{keys, Ts(start_ts), Ts(commit_ts)});
  if (result.ok()) {
    HARNESS_FAIL_AT(loc) << "commit succeeded; expected an error";
    return Error(core::mvcc::Error(core::mvcc::InvalidRequest{"none"}));
  }
  return std::move(result).error();
}

void MustGet(StorageHarness& h, const std::string& key, uint64_t ts,
             const std::string& expected, Loc loc) {
  auto result = h.storage().Execute(h.ctx(), Get{key, Ts(ts)});
  if (!result.ok()) {
    HARNESS_FAIL_AT(loc) << "get failed: " << ErrorToString(result.error());
  } else if (result->value != expected) {
    HARNESS_FAIL_AT(loc) << "get " << key << "@" << ts << " = "
                         << result->value.value_or("<none>") << ", expected "
                         << expected;
  }
}

void MustGetNone(StorageHarness& h, const std::string& key, uint64_t ts,
                 Loc loc) {
  auto result = h.storage().Execute(h.ctx(), Get{key, Ts(ts)});
  if (!result.ok()) {
    HARNESS_FAIL_AT(loc) << "get failed: " << ErrorToString(result.error());
  } else if (result->value.has_value()) {
    HARNESS_FAIL_AT(loc) << "get " << key << "@" << ts << " = "
                         << *result->value << ", expected none";
  }
}

Error MustGetErr(StorageHarness& h, const std::string& key, uint64_t ts,
                 Loc loc) {
  auto result = h.storage().Execute(h.ctx(), Get{key, Ts(ts)});
  if (result.ok()) {
    HARNESS_FAIL_AT(loc) << "get succeeded; expected an error";
    return Error(core::mvcc::Error(core::mvcc::InvalidRequest{"none"}));
  }
  return std::move(result).error();
}

void ExpectIdle(StorageHarness& h, Loc loc) {
  const Scheduler& scheduler = h.storage().scheduler();
  if (scheduler.latch_entry_count() != 0 || h.cm().memory_lock_count() != 0 ||
      scheduler.running_write_count() != 0 ||
      scheduler.pending_write_bytes() != 0) {
    HARNESS_FAIL_AT(loc) << "not idle: " << scheduler.latch_entry_count()
                         << " latch entries, " << h.cm().memory_lock_count()
                         << " memory locks, " << scheduler.running_write_count()
                         << " running writes";
  }
}

}  // namespace store::storage::testing
