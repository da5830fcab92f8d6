// One run of the cluster workload (cluster_workload.h): the cluster, the
// nemesis, the recorded raw clients, the churn, the liveness phase and the
// checks.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/locate/region_source.h"
#include "client/pd/pd_client.h"
#include "client/rawkv/raw_client.h"
#include "client/record/recording_raw_client.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/env/random.h"
#include "jepsen/history/history.h"
#include "jepsen/history/json_lines.h"
#include "proto/kvrpcpb.pb.h"
#include "proto/pdpb.pb.h"
#include "sim/checkers/history.h"
#include "sim/checkers/replicas.h"
#include "sim/cluster/cluster_workload.h"
#include "sim/nemesis/nemesis.h"
#include "store/raftstore/keys.h"

namespace sim::cluster {
namespace {

using core::base::Instant;
using core::base::Prng;
using jepsen::history::OpType;
using jepsen::history::Value;
using runner::Verdict;

Value Optional(const std::optional<std::string>& value) {
  return value.has_value() ? Value::String(*value) : Value();
}

// The clients' events as a jepsen history in true time, and their writes
// (for AckedWritesReadable).
class HistorySink final : public client::record::Sink {
 public:
  explicit HistorySink(const SimLoop& loop) : loop_(loop) {}

  void Record(const client::record::Event& e) override {
    using client::record::Phase;
    const int64_t now = loop_.Now().nanoseconds();
    const Value value =
        e.f == "cas" ? Value::Vector({Optional(e.expected), Optional(e.value)})
                     : Optional(e.value);
    if (e.phase == Phase::kInvoke) {
      history_.Invoke(e.process, e.f, value, Value::String(e.key), now);
      invoked_[e.process] = now;
      return;
    }
    const OpType type = e.phase == Phase::kOk     ? OpType::kOk
                        : e.phase == Phase::kFail ? OpType::kFail
                                                  : OpType::kInfo;
    history_.Complete(e.process, type, e.f, value, Value::String(e.key), now);
    ++(type == OpType::kOk ? ok_ : type == OpType::kFail ? failed_ : info_);
    if (e.f != "read" && type != OpType::kFail) {
      const bool acked = type == OpType::kOk;
      writes_.push_back(
          {e.key, *e.value, invoked_[e.process], acked ? now : -1, acked});
    }
  }

  const jepsen::history::History& history() const { return history_; }
  const std::vector<WriteRecord>& writes() const { return writes_; }
  uint64_t ok() const { return ok_; }
  uint64_t failed() const { return failed_; }
  uint64_t info() const { return info_; }

 private:
  const SimLoop& loop_;
  jepsen::history::History history_;
  std::map<int64_t, int64_t> invoked_;
  std::vector<WriteRecord> writes_;
  uint64_t ok_ = 0, failed_ = 0, info_ = 0;
};

// One client's stack on the client process: PD client, region cache,
// sender, raw client, recording wrapper.
struct ClientStack {
  ClientStack(SimLoop& loop, ProcessId process, core::env::Network& network,
              const ClusterRunOptions& options, int index,
              client::record::Sink& sink)
      : random(options.seed * 7919 + static_cast<uint64_t>(index)),
        pd(loop.executor(process), loop.clock(process), network,
           PdOptions(options, index)),
        source(pd),
        transport(loop.executor(process), loop.clock(process), network),
        cache(source),
        sender(cache, transport, options.rpc_timeout),
        raw(loop.executor(process), random, cache, transport,
            {.max_backoff = options.op_backoff,
             .timeout = options.rpc_timeout,
             .atomic_for_cas = true}),
        recorded(raw, sink, index, options.clients) {}

  static client::pd::PdClientOptions PdOptions(const ClusterRunOptions& o,
                                               int index) {
    client::pd::PdClientOptions pd;
    pd.jitter_seed = o.seed * 1000 + 900 + static_cast<uint64_t>(index);
    for (int m = 1; m <= o.cluster.pd_members; ++m) {
      pd.members.push_back(pdsim::PdCluster::ClientAddress(m));
    }
    return pd;
  }

  core::env::SeededRandom random;
  client::pd::PdClient pd;
  client::locate::PdRegionSource source;
  client::locate::RpcStoreTransport transport;
  client::locate::RegionCache cache;
  client::locate::RegionRequestSender sender;
  client::rawkv::RawClient raw;
  client::record::RecordingRawClient recorded;
};

std::string Key(int i) { return "k" + std::to_string(i); }

class ClusterRun final : public nemesis::LeaderView {
 public:
  ClusterRun(const ClusterRunOptions& options, nemesis::Schedule schedule,
             const runner::RunHooks& hooks)
      : options_(options),
        schedule_(std::move(schedule)),
        cluster_(options.cluster),
        nemesis_(cluster_.pd().hosts(), *this),
        sink_(cluster_.sim().loop()) {
    hosts().set_log(hooks.log);
    keep_history_ = hooks.keep_history;
    cluster_.pd().set_on_elected(
        [this](int member) { nemesis_.OnElected(member); });
  }
  ~ClusterRun() override { cluster_.sim().loop().Shutdown(); }

  // "leader" faults alternate between PD's leader and the store leading
  // k0's region.
  int CurrentLeader() override {
    if (++leader_asks_ % 2 == 0) return cluster_.pd().Leader();
    auto region = cluster_.RegionForKey(Key(0));
    const int store = region.has_value() ? cluster_.LeaderOf(region->id) : 0;
    return store == 0 ? cluster_.pd().Leader()
                      : options_.cluster.pd_members + store;
  }

  runner::WorkloadResult Run();

 private:
  host::Hosts& hosts() { return cluster_.pd().hosts(); }
  SimLoop& loop() { return cluster_.sim().loop(); }
  int64_t NowNs() { return loop().Now().nanoseconds(); }

  void StartClients();
  void ClientLoop(int index);
  void ChurnLoop();
  void Split(ClientStack& c, Prng& prng);
  void Scatter(ClientStack& c, Prng& prng);
  // A store that halted itself (a disk error) is crashed and restarted by
  // its supervisor, as a PD member is.
  void CheckHalts();
  // Runs until `done` or `deadline`, checking halts; false at the deadline.
  bool RunUntil(const std::function<bool()>& done, Instant deadline);
  std::optional<std::string> Liveness();
  bool FinalReads(Instant deadline);
  // Every region (newest epoch) led, every peer at its epoch and applied
  // to the leader's index; PD led.
  bool Converged(std::string* why);
  std::optional<std::string> ReplicasIdentical();
  runner::WorkloadResult Finish(Verdict verdict, std::string invariant,
                                std::string detail);

  ClusterRunOptions options_;
  nemesis::Schedule schedule_;
  bool keep_history_ = false;
  Cluster cluster_;
  nemesis::Nemesis nemesis_;
  HistorySink sink_;
  ProcessId client_process_ = kNoProcess;
  // Index options_.clients is the churn fibre's stack (not recorded).
  std::vector<std::unique_ptr<ClientStack>> clients_;
  bool stop_ = false;
  int running_ = 0;
  int leader_asks_ = 0;
  uint64_t splits_ = 0, scatters_ = 0, store_halts_ = 0;
  std::map<std::string, std::optional<std::string>> final_values_;
};

void ClusterRun::StartClients() {
  core::env::Network& network =
      cluster_.sim().network().endpoint(client_process_);
  for (int i = 0; i <= options_.clients; ++i) {
    clients_.push_back(std::make_unique<ClientStack>(
        loop(), client_process_, network, options_, i, sink_));
  }
  core::env::Executor& executor = loop().executor(client_process_);
  for (int i = 0; i < options_.clients; ++i) {
    ++running_;
    executor.Spawn("client", [this, i] {
      ClientLoop(i);
      --running_;
    });
  }
  ++running_;
  executor.Spawn("churn", [this] {
    ChurnLoop();
    --running_;
  });
}

// Reads, writes of unique values and CASes from the last value this client
// saw, on a few keys, until the safety phase ends.
void ClusterRun::ClientLoop(int index) {
  Prng prng(options_.seed * 31 + static_cast<uint64_t>(index));
  ClientStack& c = *clients_[static_cast<size_t>(index)];
  core::env::Executor& executor = loop().executor(client_process_);
  std::map<std::string, std::optional<std::string>> seen;
  uint64_t next = 0;
  while (!stop_) {
    executor.SleepFor(Duration::Nanoseconds(static_cast<int64_t>(prng.Uniform(
        static_cast<uint64_t>(options_.think_max.nanoseconds()) + 1))));
    if (stop_) break;
    const std::string key = Key(
        static_cast<int>(prng.Uniform(static_cast<uint64_t>(options_.keys))));
    const std::string value =
        "c" + std::to_string(index) + "-" + std::to_string(++next);
    const uint64_t roll = prng.Uniform(100);
    if (roll < 40) {
      auto got = c.recorded.Get(key);
      if (got.ok()) seen[key] = *got;
    } else if (roll < 70) {
      if (c.recorded.Put(key, value).ok()) seen[key] = value;
    } else {
      auto cas = c.recorded.CompareAndSwap(key, seen[key], value);
      if (cas.ok()) seen[key] = cas->succeeded ? value : cas->previous;
    }
  }
}

// Splits at random keys and scatters of random regions, on the seed's
// schedule, until the safety phase ends.
void ClusterRun::ChurnLoop() {
  Prng prng(options_.seed * 37 + 11);
  ClientStack& c = *clients_.back();
  core::env::Executor& executor = loop().executor(client_process_);
  const uint64_t mean_ms =
      static_cast<uint64_t>(options_.churn_interval.milliseconds());
  while (!stop_) {
    executor.SleepFor(Duration::Milliseconds(
        static_cast<int64_t>(mean_ms / 2 + prng.Uniform(mean_ms + 1))));
    if (stop_) break;
    if (prng.OneIn(2) && splits_ < static_cast<uint64_t>(options_.max_splits)) {
      Split(c, prng);
    } else {
      Scatter(c, prng);
    }
  }
}

// tikvpb SplitRegion at a key drawn among and between the workload's keys,
// sent as the client sends any request.
void ClusterRun::Split(ClientStack& c, Prng& prng) {
  const std::string key = Key(static_cast<int>(prng.Uniform(
                              static_cast<uint64_t>(options_.keys)))) +
                          (prng.OneIn(2) ? "" : "5");
  client::retry::Backoffer bo(loop().executor(client_process_),
                              options_.op_backoff, prng.NextU64());
  for (int attempt = 0; attempt < 3 && !stop_; ++attempt) {
    auto location = c.cache.LocateKey(bo, key);
    if (!location.ok()) return;
    kvrpcpb::SplitRegionRequest request;
    request.add_split_keys(key);
    request.set_is_raw_kv(true);
    auto response = c.sender.SendReq<kvrpcpb::SplitRegionResponse>(
        bo, "/tikvpb.Tikv/SplitRegion", request, location->region);
    if (!response.ok()) return;
    if (!response->has_region_error()) {
      if (response->regions_size() == 2) {
        ++splits_;
        hosts().Log("churn: split at " + key);
      }
      return;
    }
    if (!bo.Backoff(client::retry::kBoRegionMiss,
                    absl::UnavailableError("split"))
             .ok()) {
      return;
    }
  }
}

// pdpb ScatterRegion of the region holding a random key: PD moves its
// peers and leader over the stores.
void ClusterRun::Scatter(ClientStack& c, Prng& prng) {
  const std::string key =
      Key(static_cast<int>(prng.Uniform(static_cast<uint64_t>(options_.keys))));
  client::retry::Backoffer bo(loop().executor(client_process_),
                              options_.op_backoff, prng.NextU64());
  auto location = c.cache.LocateKey(bo, key);
  if (!location.ok()) return;
  pdpb::ScatterRegionRequest request;
  request.set_region_id(location->region.id);
  request.set_group("g" + std::to_string(prng.Uniform(4)));
  auto response =
      c.pd.CallLeader<pdpb::ScatterRegionRequest, pdpb::ScatterRegionResponse>(
          "/pdpb.PD/ScatterRegion", request, c.pd.Now() + options_.op_backoff);
  if (response.ok() && !response->header().has_error()) {
    ++scatters_;
    hosts().Log("churn: scatter region " + std::to_string(location->region.id));
  }
}

void ClusterRun::CheckHalts() {
  for (int s = 1; s <= options_.cluster.stores; ++s) {
    store::server::Node* node = cluster_.node(s);
    if (node == nullptr || !node->store().halted()) continue;
    ++store_halts_;
    hosts().Halt(options_.cluster.pd_members + s, node->store().halt_status(),
                 /*lost=*/false);
  }
}

bool ClusterRun::RunUntil(const std::function<bool()>& done, Instant deadline) {
  while (!done()) {
    if (loop().Now() >= deadline) return false;
    loop().RunFor(Duration::Milliseconds(20));
    CheckHalts();
  }
  return true;
}

runner::WorkloadResult ClusterRun::Run() {
  client_process_ = cluster_.sim().AddNode(
      {.host = "rawclient", .clock = sim::ClockOptions{}});
  cluster_.Start();
  nemesis_.Start(schedule_, options_.safety_duration);
  StartClients();
  RunUntil([] { return false; }, Instant() + options_.safety_duration);
  stop_ = true;
  const std::optional<std::string> stuck = Liveness();
  const checkers::HistoryCheck linear = checkers::CheckLinearizable(
      sink_.history(), jepsen::linear::ModelKind::kCasRegister);
  if (linear.verdict != Verdict::kPass) {
    return Finish(linear.verdict, linear.invariant, linear.detail);
  }
  if (stuck.has_value()) return Finish(Verdict::kNoConvergence, "", *stuck);
  if (auto lost = CheckAckedWritesReadable(sink_.writes(), final_values_)) {
    return Finish(Verdict::kSafetyViolation, "AckedWritesReadable", *lost);
  }
  if (auto differ = ReplicasIdentical()) {
    return Finish(Verdict::kSafetyViolation, "ReplicasIdentical", *differ);
  }
  return Finish(Verdict::kPass, "", "");
}

// Heals everything; within the bound the clients' last operations end,
// each client reads every key, and the cluster converges. Why not, or
// nullopt.
std::optional<std::string> ClusterRun::Liveness() {
  hosts().Log("liveness phase: healing");
  nemesis_.Stop();
  nemesis_.Quiesce();
  hosts().RecoverAll();
  const Instant deadline = loop().Now() + options_.liveness_bound;
  if (!RunUntil([this] { return running_ == 0; }, deadline)) {
    return "the clients' operations did not end";
  }
  std::string why = "no region yet";
  if (!FinalReads(deadline)) {
    Converged(&why);
    return "a client could not read every key (cluster: " + why + ")";
  }
  if (!RunUntil([&] { return Converged(&why); }, deadline)) {
    return "not converged: " + why;
  }
  hosts().Log("converged");
  return std::nullopt;
}

bool ClusterRun::FinalReads(Instant deadline) {
  core::env::Executor& executor = loop().executor(client_process_);
  for (int i = 0; i < options_.clients; ++i) {
    ++running_;
    executor.Spawn("final-read", [this, i, deadline] {
      ClientStack& c = *clients_[static_cast<size_t>(i)];
      for (int k = 0; k < options_.keys; ++k) {
        while (loop().Now() < deadline) {
          auto got = c.recorded.Get(Key(k));
          if (got.ok()) {
            final_values_[Key(k)] = *got;
            break;
          }
          hosts().Log("final read of " + Key(k) + " by client " +
                      std::to_string(i) + ": " + got.status().ToString());
        }
      }
      --running_;
    });
  }
  return RunUntil([this] { return running_ == 0; }, deadline) &&
         final_values_.size() == static_cast<size_t>(options_.keys);
}

bool ClusterRun::Converged(std::string* why) {
  if (cluster_.pd().Leader() == 0) {
    *why = "PD has no leader";
    return false;
  }
  std::map<uint64_t, core::region::Region> newest;
  for (int s = 1; s <= options_.cluster.stores; ++s) {
    store::server::Node* node = cluster_.node(s);
    if (node == nullptr) {
      *why = Cluster::StoreName(s) + " is not up";
      return false;
    }
    for (const core::region::Region& region : node->store().Regions()) {
      auto [it, added] = newest.emplace(region.id, region);
      if (!added && it->second.epoch.IsStaleComparedTo(region.epoch)) {
        it->second = region;
      }
    }
  }
  for (const auto& [id, region] : newest) {
    const int leader = cluster_.LeaderOf(id);
    if (leader == 0) {
      *why = "region " + std::to_string(id) + " has no leader";
      return false;
    }
    const uint64_t applied = cluster_.node(leader)
                                 ->store()
                                 .FindPeer(id)
                                 ->raft_peer()
                                 .applied_index();
    for (const core::region::Peer& peer : region.peers) {
      const int s = cluster_.StoreIndex(peer.store_id);
      const store::raftstore::PeerFsm* fsm =
          s == 0 ? nullptr : cluster_.node(s)->store().FindPeer(id);
      if (fsm == nullptr || !fsm->initialized() ||
          !(fsm->region().epoch == region.epoch) ||
          fsm->raft_peer().applied_index() != applied) {
        *why = "region " + std::to_string(id) + "'s peer on store " +
               std::to_string(peer.store_id) + " is " +
               (fsm == nullptr        ? std::string("missing")
                : !fsm->initialized() ? std::string("uninitialized")
                : !(fsm->region().epoch == region.epoch)
                    ? std::string("at an older epoch")
                    : "behind (applied " +
                          std::to_string(fsm->raft_peer().applied_index()) +
                          " of " + std::to_string(applied) + ")");
        return false;
      }
    }
  }
  return !newest.empty();
}

std::optional<std::string> ClusterRun::ReplicasIdentical() {
  std::map<uint64_t, core::region::Region> regions;
  for (int s = 1; s <= options_.cluster.stores; ++s) {
    for (const core::region::Region& region :
         cluster_.node(s)->store().Regions()) {
      regions.emplace(region.id, region);  // Converged: one epoch each
    }
  }
  for (const auto& [id, region] : regions) {
    std::vector<checkers::Replica> replicas;
    for (const core::region::Peer& peer : region.peers) {
      const int s = cluster_.StoreIndex(peer.store_id);
      core::env::IteratorOptions range;
      range.lower_bound = store::raftstore::DataKey(region.start_key);
      range.upper_bound = store::raftstore::DataEndKey(region.end_key);
      SimDisk& disk = hosts().disk(options_.cluster.pd_members + s);
      auto it = disk.NewSnapshot()->NewIterator(core::env::Cf::kDefault, range);
      std::map<std::string, std::string> contents;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        contents.emplace(std::string(it->key()), std::string(it->value()));
      }
      replicas.push_back(
          {"region " + std::to_string(id) + " on " + Cluster::StoreName(s),
           it->status().ok()
               ? absl::StatusOr<std::map<std::string, std::string>>(contents)
               : it->status(),
           false});
    }
    std::vector<std::string> skipped;
    if (auto differ = checkers::ReplicasDiffer(replicas, &skipped)) {
      return differ;
    }
  }
  return std::nullopt;
}

runner::WorkloadResult ClusterRun::Finish(Verdict verdict,
                                          std::string invariant,
                                          std::string detail) {
  runner::WorkloadResult result;
  result.verdict = verdict;
  result.invariant = std::move(invariant);
  result.detail = std::move(detail);
  if (verdict != Verdict::kPass) {
    result.failed_at_ns = NowNs();
    hosts().Log(std::string(checkers::VerdictName(verdict)) + " " +
                result.invariant + ": " + result.detail);
  }
  result.trace_hash = loop().trace_hash();
  result.simulated_ns = NowNs();
  result.events = loop().events_dispatched();
  if (keep_history_) {
    result.history = jepsen::history::ToJsonLines(sink_.history());
  }
  result.stats = {
      {"ops_ok", sink_.ok()},         {"ops_failed", sink_.failed()},
      {"ops_info", sink_.info()},     {"splits", splits_},
      {"scatters", scatters_},        {"faults", nemesis_.applied()},
      {"crashes", hosts().crashes()}, {"halts", hosts().halts()},
      {"store_halts", store_halts_}};
  result.schedule = schedule_;
  return result;
}

class ClusterSeedRun final : public runner::SeedRun {
 public:
  explicit ClusterSeedRun(ClusterRunOptions options)
      : options_(std::move(options)) {}
  std::string ToString() const override { return options_.ToString(); }
  int hosts() const override { return options_.hosts(); }
  nemesis::Schedule DefaultSchedule() const override {
    return cluster::DefaultSchedule(options_);
  }
  runner::WorkloadResult Run(const nemesis::Schedule* schedule,
                             const runner::RunHooks& hooks) const override {
    return RunCluster(options_, schedule, hooks);
  }

 private:
  ClusterRunOptions options_;
};

}  // namespace

runner::WorkloadResult RunCluster(const ClusterRunOptions& options,
                                  const nemesis::Schedule* schedule,
                                  const runner::RunHooks& hooks) {
  ClusterRun run(options,
                 schedule != nullptr ? *schedule : DefaultSchedule(options),
                 hooks);
  return run.Run();
}

absl::StatusOr<std::unique_ptr<runner::SeedRun>> ClusterWorkload::Configure(
    uint64_t seed, const runner::RunFlags& flags) const {
  auto options = OptionsFor(seed, flags);
  if (!options.ok()) return options.status();
  return std::make_unique<ClusterSeedRun>(*std::move(options));
}

}  // namespace sim::cluster
