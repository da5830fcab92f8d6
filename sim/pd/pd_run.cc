// One run of the PD workload (pd_workload.h): the cluster, the nemesis, the
// clients and their history, the liveness phase and the checks.
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/base/timestamp.h"
#include "sim/nemesis/nemesis.h"
#include "sim/pd/pd_workload.h"

namespace sim::pdsim {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::base::Prng;
using runner::Verdict;

// What the clients saw, shared with their fibres (which may outlive a
// phase until the loop shuts down).
struct History {
  std::vector<TsoOp> tso;
  std::vector<uint64_t> ids;
  std::vector<SafePointOp> safe_points;
  uint64_t failed = 0;
  uint64_t next_gc_target = 0;
};

class PdRun final : public nemesis::LeaderView {
 public:
  PdRun(const PdRunOptions& options, nemesis::Schedule schedule,
        const runner::RunHooks& hooks)
      : options_(options),
        schedule_(std::move(schedule)),
        history_(std::make_shared<History>()),
        stop_(std::make_shared<bool>(false)),
        cluster_(options.cluster),
        nemesis_(cluster_.hosts(), *this) {
    cluster_.hosts().set_log(hooks.log);
    cluster_.set_on_elected([this](int member) { nemesis_.OnElected(member); });
  }

  int CurrentLeader() override { return cluster_.Leader(); }

  runner::WorkloadResult Run() {
    cluster_.Start();
    nemesis_.Start(schedule_, options_.safety_duration);
    // Each client is shared by a few callers, as client-go's PD client is
    // by goroutines: their TSO requests batch on the client's one stream.
    for (int i = 0; i < options_.clients; ++i) {
      PdClient& client = cluster_.AddClient();
      for (int j = 0; j < options_.callers_per_client; ++j) {
        const int caller = i * options_.callers_per_client + j;
        cluster_.SpawnClient(
            client, [this, caller](PdClient& c) { ClientLoop(c, caller); });
      }
    }
    cluster_.loop().RunUntil(Instant() + options_.safety_duration);
    *stop_ = true;
    if (!Liveness()) {
      return Finish(Verdict::kNoConvergence, "", liveness_failure_);
    }
    for (auto check : {CheckTsoStrictlyIncreasing(history_->tso),
                       CheckIdsUnique(history_->ids),
                       CheckSafePointMonotonic(history_->safe_points)}) {
      if (check.has_value()) {
        return Finish(Verdict::kSafetyViolation, check->invariant,
                      check->detail);
      }
    }
    return Finish(Verdict::kPass, "", "");
  }

 private:
  // Operations until the safety phase ends: TSO batches, IDs, GC safe
  // point updates and reads, in a seeded mix; caller 0 bootstraps first.
  void ClientLoop(PdClient& c, int index) {
    Prng prng(options_.seed * 31 + static_cast<uint64_t>(index));
    std::shared_ptr<History> history = history_;
    std::shared_ptr<bool> stop = stop_;
    if (index == 0) Bootstrap(c, *stop, Instant::FromNanoseconds(INT64_MAX));
    while (!*stop) {
      // Ref: client-go asks for the members now and then (and after every
      // error), so clients do not all stick to one member's view.
      if (prng.OneIn(20)) {
        (void)c.UpdateMembers(c.Now() + options_.op_timeout);
      }
      const uint64_t pick = prng.Uniform(100);
      bool ok = false;
      if (pick < 50) {
        ok = Tso(c, prng.OneIn(2) ? 1 : 1 + prng.Uniform(100), *history);
      } else if (pick < 75) {
        ok = AllocId(c, *history);
      } else {
        ok = SafePoint(c, pick < 90, prng, *history);
      }
      if (!ok) c.ForgetLeader();
      c.SleepFor(Duration::Nanoseconds(static_cast<int64_t>(prng.Uniform(
          static_cast<uint64_t>(options_.think_max.nanoseconds())))));
    }
  }

  int64_t NowNs() { return cluster_.loop().Now().nanoseconds(); }

  // Until bootstrapped (by this call or an earlier one), `stop` or
  // `deadline`; true once bootstrapped.
  bool Bootstrap(PdClient& c, const bool& stop, Instant deadline) {
    pdpb::BootstrapRequest request;
    request.mutable_store()->set_id(1);
    request.mutable_store()->set_address("tikv1:20160");
    metapb::Region* region = request.mutable_region();
    region->set_id(2);
    region->add_peers()->set_id(3);
    region->mutable_peers(0)->set_store_id(1);
    while (!stop && c.Now() < deadline) {
      auto done = c.CallLeader<pdpb::BootstrapRequest, pdpb::BootstrapResponse>(
          "/pdpb.PD/Bootstrap", request, c.Now() + options_.op_timeout);
      if (done.ok() &&
          (!done->header().has_error() ||
           done->header().error().type() == pdpb::ALREADY_BOOTSTRAPPED)) {
        return true;
      }
      c.SleepFor(Duration::Milliseconds(100));
    }
    return false;
  }

  bool Tso(PdClient& c, uint64_t count, History& history) {
    const int64_t invoked = NowNs();
    auto tso = c.GetTimestamps(static_cast<uint32_t>(count),
                               c.Now() + options_.op_timeout);
    if (!tso.ok()) {
      ++history.failed;
      return false;
    }
    history.tso.push_back(
        {invoked, NowNs(), tso->first.value(), tso->last.value()});
    return true;
  }

  bool AllocId(PdClient& c, History& history) {
    auto id = c.AllocID(c.Now() + options_.op_timeout);
    if (!id.ok()) {
      ++history.failed;
      return false;
    }
    history.ids.push_back(*id);
    return true;
  }

  // An update towards a higher target, or a read.
  bool SafePoint(PdClient& c, bool update, Prng& prng, History& history) {
    const int64_t invoked = NowNs();
    const core::base::Instant deadline = c.Now() + options_.op_timeout;
    absl::StatusOr<uint64_t> answer;
    if (update) {
      history.next_gc_target += 1 + prng.Uniform(1000);
      answer = c.UpdateGCSafePoint(history.next_gc_target, deadline);
    } else {
      answer = c.GetGCSafePoint(deadline);
    }
    const bool ok = answer.ok();
    if (!ok) {
      ++history.failed;
      return false;
    }
    history.safe_points.push_back({invoked, NowNs(), *answer});
    return true;
  }

  // Heals everything; a fresh client must then get a timestamp, an ID and
  // the safe point within the liveness bound.
  bool Liveness() {
    cluster_.hosts().Log("liveness phase: healing");
    nemesis_.Stop();
    nemesis_.Quiesce();
    const int majority = cluster_.size() / 2 + 1;
    if (cluster_.size() - cluster_.hosts().lost_count() < majority) {
      liveness_failure_ = "a majority of members lost their disks";
      return false;
    }
    cluster_.hosts().RecoverAll();
    PdClient& client = cluster_.AddClient();
    auto all_ok = std::make_shared<bool>(false);
    const bool finished = cluster_.RunClient(
        client,
        [this, all_ok](PdClient& c) {
          Prng prng(options_.seed);
          const Instant deadline = c.Now() + options_.liveness_bound;
          const bool no_stop = false;
          // Each retried until it succeeds (the group may still elect).
          const auto until = [&c, deadline](const std::function<bool()>& op) {
            while (c.Now() < deadline) {
              if (op()) return true;
            }
            return false;
          };
          *all_ok = Bootstrap(c, no_stop, deadline) &&
                    until([&] { return Tso(c, 1, *history_); }) &&
                    until([&] { return AllocId(c, *history_); }) &&
                    until([&] { return SafePoint(c, false, prng, *history_); });
        },
        options_.liveness_bound);
    if (!finished || !*all_ok) {
      liveness_failure_ = "no TSO, ID and safe point after healing";
      return false;
    }
    cluster_.hosts().Log("converged");
    return true;
  }

  runner::WorkloadResult Finish(Verdict verdict, std::string invariant,
                                std::string detail) {
    runner::WorkloadResult result;
    result.verdict = verdict;
    result.invariant = std::move(invariant);
    result.detail = std::move(detail);
    if (verdict != Verdict::kPass) {
      result.failed_at_ns = NowNs();
      cluster_.hosts().Log(std::string(checkers::VerdictName(verdict)) + " " +
                           result.invariant + ": " + result.detail);
    }
    result.trace_hash = cluster_.loop().trace_hash();
    result.simulated_ns = NowNs();
    result.events = cluster_.loop().events_dispatched();
    const uint64_t ok = history_->tso.size() + history_->ids.size() +
                        history_->safe_points.size();
    result.stats = {{"ops_ok", ok},
                    {"tso_batches", history_->tso.size()},
                    {"ids", history_->ids.size()},
                    {"safe_point_ops", history_->safe_points.size()},
                    {"ops_failed", history_->failed},
                    {"faults", nemesis_.applied()},
                    {"crashes", cluster_.hosts().crashes()},
                    {"halts", cluster_.hosts().halts()}};
    result.schedule = schedule_;
    return result;
  }

  PdRunOptions options_;
  nemesis::Schedule schedule_;
  std::shared_ptr<History> history_;
  std::shared_ptr<bool> stop_;
  std::string liveness_failure_;
  // Destroyed before what the client fibres use: its loop ends them.
  PdCluster cluster_;
  nemesis::Nemesis nemesis_;
};

class PdSeedRun final : public runner::SeedRun {
 public:
  explicit PdSeedRun(PdRunOptions options) : options_(std::move(options)) {}
  std::string ToString() const override { return options_.ToString(); }
  int hosts() const override { return options_.cluster.members; }
  nemesis::Schedule DefaultSchedule() const override {
    return pdsim::DefaultSchedule(options_);
  }
  runner::WorkloadResult Run(const nemesis::Schedule* schedule,
                             const runner::RunHooks& hooks) const override {
    return RunPd(options_, schedule, hooks);
  }

 private:
  PdRunOptions options_;
};

}  // namespace

runner::WorkloadResult RunPd(const PdRunOptions& options,
                             const nemesis::Schedule* schedule,
                             const runner::RunHooks& hooks) {
  PdRun run(options, schedule != nullptr ? *schedule : DefaultSchedule(options),
            hooks);
  return run.Run();
}

absl::StatusOr<std::unique_ptr<runner::SeedRun>> PdWorkload::Configure(
    uint64_t seed, const runner::RunFlags& flags) const {
  auto options = OptionsFor(seed, flags);
  if (!options.ok()) return options.status();
  return std::make_unique<PdSeedRun>(*std::move(options));
}

}  // namespace sim::pdsim
