#include "sim/register/register_sim.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "jepsen/history/json_lines.h"
#include "sim/checkers/convergence.h"
#include "sim/checkers/history.h"
#include "sim/checkers/replicas.h"
#include "sim/host/hosts.h"
#include "sim/nemesis/nemesis.h"
#include "sim/register/register_host.h"
#include "sim/register/register_oracle.h"

namespace sim::register_kv {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::base::Prng;
using core::raft::Index;
using core::raft::invariants::Violation;

// Each node listens here for its peers' Raft traffic and its clients.
constexpr int kNodePort = 7000;

std::string NodeAddress(int node) {
  return "n" + std::to_string(node) + ":" + std::to_string(kNodePort);
}

// The register workload on its hosts: nodes 1..n are hosts 1..n, clients
// run on one more process of their own.
class RegisterCluster final : public NodeObserver,
                              public host::HostObserver,
                              public nemesis::LeaderView {
 public:
  RegisterCluster(const RegisterRunOptions& options, nemesis::Schedule schedule,
                  const runner::RunHooks& hooks);
  ~RegisterCluster() override { sim_.loop().Shutdown(); }

  runner::WorkloadResult Run();

  // NodeObserver.
  void AfterStep(NodeId id) override {
    TrackRole(static_cast<int>(id));
    ObserveAndCheck();
  }
  void OnReadRequested(NodeId id, const std::string& ctx) override;
  void OnReadServed(NodeId id, const std::string& ctx, Index index) override;
  void OnHalt(NodeId id, const absl::Status& status) override;
  // host::HostObserver.
  void BeforeCrash(int node) override;
  void AfterCrash(int node) override;
  void AfterRestart(int node) override { ObserveAndCheck(); }
  // nemesis::LeaderView.
  int CurrentLeader() override;

 private:
  SimLoop& loop() { return sim_.loop(); }
  RegisterNodeOptions NodeOptions(int node) const;
  std::unique_ptr<ProcessState> MakeHost(int node);
  void StartClients();
  ClientEnv MakeClientEnv();
  // Notices elections: logs them and tells the nemesis.
  void TrackRole(int node);
  void ObserveAndCheck();
  void Fail(Verdict verdict, std::string invariant, std::string detail);

  bool RunLiveness();
  bool Converged(std::string* why);
  bool FinalReads(Instant deadline);
  bool ReplicasIdentical(std::string* why);
  void CheckLinearizability();
  runner::WorkloadResult Result();

  RegisterRunOptions options_;
  nemesis::Schedule schedule_;
  runner::RunHooks hooks_;
  // The destructor shuts the loop down first (no fibre outlives what it
  // uses); the disks in hosts_ outlive that.
  Simulation sim_;
  host::Hosts hosts_;
  ProcessId client_process_ = 0;
  std::unique_ptr<HistoryRecorder> history_;
  std::vector<std::unique_ptr<RegisterClient>> clients_;
  RegisterOracle oracle_;
  nemesis::Nemesis nemesis_;
  bool liveness_ = false;
  bool stop_clients_ = false;
  std::optional<runner::WorkloadResult> failure_;
  uint64_t repairs_ = 0;
  std::map<int, std::pair<core::raft::Term, bool>> roles_;
};

RegisterCluster::RegisterCluster(const RegisterRunOptions& options,
                                 nemesis::Schedule schedule,
                                 const runner::RunHooks& hooks)
    : options_(options),
      schedule_(std::move(schedule)),
      hooks_(hooks),
      sim_(options.simulation),
      hosts_(sim_, options.seed),
      oracle_(hosts_, options.nodes, options.observe_window),
      nemesis_(hosts_, *this) {
  CHECK(options.nodes >= 1 && options.nodes <= 9) << options.nodes;
  history_ = std::make_unique<HistoryRecorder>(loop());
  hosts_.set_observer(this);
  hosts_.set_log(hooks.log);
  for (int node = 1; node <= options.nodes; ++node) {
    CHECK_EQ(
        hosts_.Add({.name = "n" + std::to_string(node), .disk = options.disk}),
        node);
  }
  client_process_ = sim_.AddNode({.host = "client", .clock = ClockOptions{}});
}

RegisterNodeOptions RegisterCluster::NodeOptions(int node) const {
  RegisterNodeOptions o;
  o.id = static_cast<NodeId>(node);
  for (int i = 1; i <= options_.nodes; ++i) o.members[i] = NodeAddress(i);
  o.raft = options_.raft;
  o.tick_interval = options_.tick_interval;
  return o;
}

std::unique_ptr<ProcessState> RegisterCluster::MakeHost(int node) {
  auto created = RegisterHost::Create(
      sim_.MakeEnv(hosts_.process(node), hosts_.disk(node)), NodeOptions(node),
      this);
  if (!created.ok()) {
    hosts_.Log("n" + std::to_string(node) +
               " recovery failed: " + created.status().ToString());
    if (absl::IsDataLoss(created.status())) {
      hosts_.MarkLost(node);
    } else {
      hosts_.RestartAfter(node, Duration::Milliseconds(200));
    }
    return nullptr;
  }
  std::unique_ptr<RegisterHost> host = *std::move(created);
  for (const std::string& repair : host->recovery_repairs()) {
    ++repairs_;
    hosts_.Log("n" + std::to_string(node) + " recovery: " + repair);
  }
  oracle_.ClearDown(node);
  host->Start();
  return host;
}

void RegisterCluster::TrackRole(int node) {
  const RegisterHost* n = oracle_.Live(node);
  if (n == nullptr) return;
  const core::raft::Raft& r = n->raft();
  const bool leads = r.role() == core::raft::StateRole::kLeader;
  auto& [term, led] = roles_[node];
  const bool elected = leads && (!led || term != r.term());
  term = r.term();
  led = leads;
  if (!elected) return;
  hosts_.Log("n" + std::to_string(node) + " leads term " +
             std::to_string(r.term()));
  nemesis_.OnElected(node);
}

void RegisterCluster::BeforeCrash(int node) {
  // The durable state the live node vouches for.
  if (const RegisterHost* n = oracle_.Live(node); n != nullptr) {
    oracle_.SetDown(node, n->Durable());
  }
}

void RegisterCluster::AfterCrash(int node) {
  auto recovered = RecoverDurable(hosts_.disk(node));
  if (recovered.ok()) {
    oracle_.SetDown(node, *std::move(recovered));
  } else {
    // Corrupt: keep the last durable state seen (a node that is gone
    // counts, for the invariants, as one that never restarts).
    hosts_.Log("n" + std::to_string(node) +
               " disk unreadable: " + recovered.status().ToString());
  }
  ObserveAndCheck();
}

void RegisterCluster::OnHalt(NodeId id, const absl::Status& status) {
  hosts_.Halt(static_cast<int>(id), status, absl::IsDataLoss(status));
}

int RegisterCluster::CurrentLeader() {
  int leader = 0;
  core::raft::Term term = 0;
  for (int node = 1; node <= options_.nodes; ++node) {
    const RegisterHost* n = oracle_.Live(node);
    if (n == nullptr || n->halted()) continue;
    const core::raft::Raft& r = n->raft();
    if (r.role() == core::raft::StateRole::kLeader && r.term() >= term) {
      leader = node;
      term = r.term();
    }
  }
  return leader;
}

ClientEnv RegisterCluster::MakeClientEnv() {
  return ClientEnv{
      loop().clock(client_process_), loop().executor(client_process_),
      sim_.network().endpoint(client_process_), loop().ForkPrng().NextU64()};
}

void RegisterCluster::StartClients() {
  std::vector<core::env::Address> nodes;
  for (int i = 1; i <= options_.nodes; ++i) nodes.push_back(NodeAddress(i));
  for (int i = 0; i < options_.workload.clients; ++i) {
    clients_.push_back(std::make_unique<RegisterClient>(
        MakeClientEnv(), i, options_.workload, nodes, *history_));
    RegisterClient* client = clients_.back().get();
    loop().executor(client_process_).Spawn("client", [this, client] {
      client->RunWorkload([this] { return !stop_clients_; });
    });
  }
}

void RegisterCluster::ObserveAndCheck() {
  if (failure_.has_value() || !options_.check_invariants) return;
  if (auto violation = oracle_.Check()) {
    Fail(Verdict::kSafetyViolation, violation->invariant, violation->detail);
  }
}

void RegisterCluster::OnReadRequested(NodeId id, const std::string& ctx) {
  if (!options_.check_invariants) return;
  oracle_.OnReadRequested(ctx);
}

void RegisterCluster::OnReadServed(NodeId id, const std::string& ctx,
                                   Index index) {
  if (!options_.check_invariants) return;
  if (auto violation = oracle_.OnReadServed(ctx, index)) {
    Fail(Verdict::kSafetyViolation, violation->invariant,
         "at n" + std::to_string(id) + ": " + violation->detail);
  }
}

void RegisterCluster::Fail(Verdict verdict, std::string invariant,
                           std::string detail) {
  if (failure_.has_value()) return;
  runner::WorkloadResult failure;
  failure.verdict = verdict;
  failure.invariant = std::move(invariant);
  failure.detail = std::move(detail);
  failure.failed_at_ns = loop().Now().nanoseconds();
  hosts_.Log(std::string(checkers::VerdictName(verdict)) + " " +
             failure.invariant + ": " + failure.detail);
  failure_ = std::move(failure);
  nemesis_.Stop();
  loop().Stop();
}

runner::WorkloadResult RegisterCluster::Run() {
  for (int node = 1; node <= options_.nodes; ++node) {
    hosts_.Boot(node, [this](int host) { return MakeHost(host); });
  }
  nemesis_.Start(schedule_, options_.safety_duration);
  StartClients();
  loop().RunUntil(Instant() + options_.safety_duration);
  if (!failure_.has_value()) RunLiveness();
  if (!failure_.has_value() && options_.check_linearizability) {
    CheckLinearizability();
  }
  return Result();
}

runner::WorkloadResult RegisterCluster::Result() {
  runner::WorkloadResult result =
      failure_.has_value() ? *failure_ : runner::WorkloadResult{};
  result.trace_hash = loop().trace_hash();
  result.simulated_ns = loop().Now().nanoseconds();
  result.events = loop().events_dispatched();
  const ClientStats ops = history_->stats();
  result.stats = {{"observations", oracle_.observations()},
                  {"ops_ok", ops.ok},
                  {"ops_fail", ops.fail},
                  {"ops_info", ops.info},
                  {"faults", nemesis_.applied()},
                  {"crashes", hosts_.crashes()},
                  {"halts", hosts_.halts()},
                  {"repairs", repairs_}};
  result.schedule = schedule_;
  if (hooks_.keep_history) {
    result.history = jepsen::history::ToJsonLines(history_->history());
  }
  return result;
}

bool RegisterCluster::RunLiveness() {
  hosts_.Log("liveness phase: healing");
  liveness_ = true;
  stop_clients_ = true;
  nemesis_.Stop();
  nemesis_.Quiesce();
  const int majority = options_.nodes / 2 + 1;
  if (options_.nodes - hosts_.lost_count() < majority) {
    Fail(Verdict::kNoConvergence, "",
         "a majority of nodes lost their disks (corruption beyond the budget)");
    return false;
  }
  hosts_.RecoverAll();
  const Instant deadline = loop().Now() + options_.liveness_bound;
  const auto converged = [this](std::string* why) { return Converged(why); };
  const auto failed = [this] { return failure_.has_value(); };
  std::string why = "not checked";
  if (checkers::AwaitConvergence(loop(), deadline, converged, failed, &why)) {
    if (!FinalReads(deadline)) {
      why = "a final read did not succeed";
    } else if (failure_.has_value()) {
      return false;
    } else if (checkers::AwaitConvergence(loop(), deadline, converged, failed,
                                          &why)) {
      // The reads may have moved the group: it converged again.
      if (!ReplicasIdentical(&why)) {
        Fail(Verdict::kSafetyViolation, "ReplicasIdentical", why);
        return false;
      }
      hosts_.Log("converged");
      return true;
    }
  }
  if (!failure_.has_value()) Fail(Verdict::kNoConvergence, "", why);
  return false;
}

bool RegisterCluster::Converged(std::string* why) {
  std::vector<checkers::RaftMember> members;
  for (int node = 1; node <= options_.nodes; ++node) {
    if (hosts_.lost(node)) continue;
    const RegisterHost* n = oracle_.Live(node);
    if (n == nullptr || !n->running()) {
      *why = "n" + std::to_string(node) + " is not running";
      return false;
    }
    members.push_back({&n->raft(), n->applied_index()});
  }
  return checkers::RaftGroupConverged(members, why);
}

bool RegisterCluster::FinalReads(Instant deadline) {
  std::vector<core::env::Address> nodes;
  for (int i = 1; i <= options_.nodes; ++i) nodes.push_back(NodeAddress(i));
  // A client of its own (process and session ids after the workload's).
  auto reader = std::make_unique<RegisterClient>(
      MakeClientEnv(), options_.workload.clients + 1000, options_.workload,
      nodes, *history_);
  // Shared with the fibre, which may outlive this call (cut off by the
  // deadline) until the loop shuts down.
  struct Progress {
    bool done = false;
    bool all_ok = true;
  };
  auto progress = std::make_shared<Progress>();
  RegisterClient* client = reader.get();
  const int keys = options_.workload.keys;
  SimLoop* loop_ptr = &loop();
  loop()
      .executor(client_process_)
      .Spawn("final-reads", [progress, client, keys, deadline, loop_ptr] {
        for (int key = 0; key < keys; ++key) {
          const Duration left = deadline - loop_ptr->Now();
          if (left <= Duration::Zero() ||
              !client->RunOp(
                  {.kind = CommandKind::kGet, .key = "k" + std::to_string(key)},
                  left)) {
            progress->all_ok = false;
            break;
          }
        }
        progress->done = true;
      });
  while (!progress->done && !failure_.has_value() && loop().Now() < deadline) {
    loop().RunFor(Duration::Milliseconds(20));
  }
  clients_.push_back(std::move(reader));
  return progress->done && progress->all_ok;
}

bool RegisterCluster::ReplicasIdentical(std::string* why) {
  std::vector<checkers::Replica> replicas;
  for (int node = 1; node <= options_.nodes; ++node) {
    if (hosts_.lost(node)) continue;
    replicas.push_back({"n" + std::to_string(node),
                        ReplicaContents(hosts_.disk(node)),
                        hosts_.disk(node).stats().corruptions > 0});
  }
  std::vector<std::string> skipped;
  const std::optional<std::string> differ =
      checkers::ReplicasDiffer(replicas, &skipped);
  for (const std::string& line : skipped) hosts_.Log(line);
  if (differ.has_value()) *why = *differ;
  return !differ.has_value();
}

void RegisterCluster::CheckLinearizability() {
  const checkers::HistoryCheck check = checkers::CheckLinearizable(
      history_->history(), jepsen::linear::ModelKind::kCasRegister);
  if (check.verdict != Verdict::kPass) {
    Fail(check.verdict, check.invariant, check.detail);
  }
}

}  // namespace

RegisterRunOptions RegisterRunOptions::Swarm(uint64_t seed) {
  Prng prng(seed ^ 0x7265676973746572ULL);
  RegisterRunOptions o;
  o.seed = seed;
  o.simulation = SimulationOptions::Swarm(seed);
  const int sizes[] = {3, 3, 3, 4, 5};
  o.nodes = sizes[prng.Uniform(5)];
  o.raft.election_timeout_ticks = static_cast<int>(prng.UniformInRange(10, 20));
  o.raft.heartbeat_interval_ticks = static_cast<int>(prng.UniformInRange(1, 3));
  o.raft.check_quorum = prng.Bernoulli(0.6);
  o.raft.pre_vote = prng.Bernoulli(0.5);
  o.raft.read_only_option = prng.Bernoulli(0.5)
                                ? core::raft::ReadOnlyOption::kLeaseBased
                                : core::raft::ReadOnlyOption::kSafe;
  o.raft.max_size_per_msg_bytes = prng.OneIn(3) ? 1 : 1 << 20;
  o.raft.max_inflight_msgs = prng.OneIn(3) ? prng.UniformInRange(1, 4) : 256;
  o.disk.sync_latency_min =
      Duration::Microseconds(prng.UniformInRange(50, 500));
  o.disk.sync_latency_mean_extra =
      Duration::Microseconds(prng.UniformInRange(100, 2000));
  o.disk.stall_probability = prng.NextDouble() * 0.005;
  o.workload.clients = static_cast<int>(prng.UniformInRange(2, 5));
  o.workload.keys = static_cast<int>(prng.UniformInRange(1, 4));
  o.workload.think_max = Duration::Milliseconds(prng.UniformInRange(5, 50));
  o.faults.nodes = o.nodes;
  o.faults.duration = o.safety_duration;
  o.faults.mean_interval =
      Duration::Milliseconds(prng.UniformInRange(300, 1500));
  for (bool* on : {&o.faults.network, &o.faults.crash, &o.faults.pause,
                   &o.faults.clock, &o.faults.disk, &o.faults.corruption}) {
    *on = prng.Bernoulli(0.8);
  }
  o.faults.corruptible_nodes = (o.nodes - 1) / 2;
  // One seed in four keeps plain Jepsen clients: :info at op_timeout.
  if (prng.OneIn(4)) o.workload.resolve_timeout = Duration::Zero();
  // A leader's lease is only as good as the bound on pauses (and drift).
  o.faults.max_pause = o.tick_interval * o.raft.election_timeout_ticks / 2;
  // The lease leaves room for the longest pause and one late tick
  // (core::raft::Config::lease_ticks). It dates from when only the tick
  // fibre caught up the ticks a pause skipped, so a resumed leader could
  // answer a read before it; the node now catches up before every read
  // (RegisterNode::OnRequest), and the margin is kept, not re-derived.
  const int pause_ticks = static_cast<int>(
      (o.faults.max_pause.nanoseconds() + o.tick_interval.nanoseconds() - 1) /
      o.tick_interval.nanoseconds());
  o.raft.lease_ticks =
      std::max(1, o.raft.election_timeout_ticks - 2 - pause_ticks);
  return o;
}

std::string RegisterRunOptions::ToString() const {
  std::ostringstream out;
  out << "seed=" << seed << " nodes=" << nodes
      << " tick=" << tick_interval.milliseconds()
      << "ms election_ticks=" << raft.election_timeout_ticks
      << " heartbeat_ticks=" << raft.heartbeat_interval_ticks
      << " check_quorum=" << raft.check_quorum << " pre_vote=" << raft.pre_vote
      << " reads="
      << (raft.read_only_option == core::raft::ReadOnlyOption::kLeaseBased
              ? "lease"
              : "read-index")
      << " max_msg_bytes=" << raft.max_size_per_msg_bytes
      << " max_inflight=" << raft.max_inflight_msgs
      << " safety=" << safety_duration.milliseconds()
      << "ms liveness_bound=" << liveness_bound.milliseconds()
      << "ms observe_window=" << observe_window
      << (check_invariants ? "" : " invariants=off")
      << (check_linearizability ? "" : " linearizability=off") << " | "
      << workload.ToString() << " | disk: " << disk.ToString() << " | "
      << faults.ToString() << " | " << simulation.ToString();
  return out.str();
}

nemesis::Schedule DefaultSchedule(const RegisterRunOptions& options) {
  nemesis::FaultOptions faults = options.faults;
  faults.nodes = options.nodes;
  faults.duration = options.safety_duration;
  Prng prng(options.seed ^ 0x66617573636865ULL);
  return nemesis::GenerateSchedule(faults, prng);
}

runner::WorkloadResult RunRegister(const RegisterRunOptions& options,
                                   const nemesis::Schedule* schedule,
                                   const runner::RunHooks& hooks) {
  RegisterCluster cluster(
      options, schedule != nullptr ? *schedule : DefaultSchedule(options),
      hooks);
  return cluster.Run();
}

}  // namespace sim::register_kv
