#include "pd/server/pd_member.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/env/fault_points.h"
#include "core/raft/codec.h"
#include "core/region/metapb_convert.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::server {
namespace {

namespace base = core::base;
using base::Duration;
using core::raft::StateRole;

constexpr std::string_view kNotLeader = "not leader";

core::raft::ConfState Voters(const PdMemberOptions& options) {
  core::raft::ConfState conf_state;
  for (const auto& [id, member] : options.members) {
    conf_state.voters.push_back(id);
  }
  return conf_state;
}

store::transport::TransportOptions TransportOptionsOf(
    const PdMemberOptions& options) {
  store::transport::TransportOptions transport = options.transport;
  transport.local_address = options.members.at(options.id).peer_address;
  return transport;
}

// Removes a waiter's registration when its wait ends (or its fibre is
// unwound by a crash).
template <typename Map>
class Registration {
 public:
  Registration(Map& map, typename Map::key_type key,
               typename Map::mapped_type value)
      : map_(map), key_(std::move(key)) {
    CHECK(map_.emplace(key_, value).second) << "registered twice";
  }
  ~Registration() { map_.erase(key_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Map& map_;
  typename Map::key_type key_;
};

std::map<std::string, std::string> LabelsOf(const metapb::Store& store) {
  std::map<std::string, std::string> labels;
  for (const metapb::StoreLabel& label : store.labels()) {
    labels[label.key()] = label.value();
  }
  return labels;
}

}  // namespace

std::string ClientUrl(const MemberInfo& member) {
  return "http://" + member.client_address;
}

std::string PeerUrl(const MemberInfo& member) {
  return "http://" + member.peer_address;
}

core::raft::Config DefaultPdRaftConfig() {
  core::raft::Config config;
  config.election_timeout_ticks = 10;
  config.heartbeat_interval_ticks = 1;
  config.check_quorum = true;
  config.pre_vote = true;
  config.read_only_option = core::raft::ReadOnlyOption::kLeaseBased;
  config.lease_ticks = 7;
  config.disable_proposal_forwarding = true;
  return config;
}

absl::Status NotLeaderError() {
  return absl::UnavailableError(std::string(kNotLeader));
}

bool IsNotLeader(const absl::Status& status) {
  const auto message = status.message();
  return absl::IsUnavailable(status) &&
         std::string_view(message.data(), message.size()) == kNotLeader;
}

// Fibres waiting for something to change (a window persisted, a TSO tick,
// the leadership ended); each waits on an event of its own.
class PdMember::Waiters {
 public:
  explicit Waiters(core::env::Executor& executor) : executor_(executor) {}

  // Parks until NotifyAll or `timeout`.
  void WaitFor(Duration timeout) {
    std::unique_ptr<core::env::Event> event = executor_.NewEvent();
    Registration registration(waiting_, next_key_++, event.get());
    event->WaitFor(timeout);
  }
  void NotifyAll() {
    for (auto& [key, event] : waiting_) event->Notify();
  }

 private:
  core::env::Executor& executor_;
  uint64_t next_key_ = 0;
  std::map<uint64_t, core::env::Event*> waiting_;
};

struct PdMember::PendingProposal {
  std::unique_ptr<core::env::Event> applied;
  std::optional<CommandOutcome> outcome;
};

absl::StatusOr<std::unique_ptr<PdMember>> PdMember::Create(
    core::env::Env env, const PdMemberOptions& options,
    PdMemberObserver* observer) {
  CHECK(options.members.count(options.id) == 1)
      << "member " << options.id << " is not in the member list";
  CHECK(options.raft.check_quorum &&
        options.raft.read_only_option ==
            core::raft::ReadOnlyOption::kLeaseBased)
      << "PD serves the TSO under the Raft leader lease: check_quorum and "
         "kLeaseBased are required";
  auto state_machine = PdStateMachine::Create(env.engine);
  if (!state_machine.ok()) return state_machine.status();
  std::unique_ptr<PdMember> member(
      new PdMember(env, options, observer, *std::move(state_machine)));
  store::PeerOptions peer_options{.region_id = kPdRegionId,
                                  .raft = options.raft,
                                  .initial_conf_state = Voters(options)};
  peer_options.raft.id = options.id;
  auto peer = store::Peer::Create(env, peer_options,
                                  member->state_machine_.get(), member.get());
  if (!peer.ok()) return peer.status();
  member->peer_ = *std::move(peer);
  return member;
}

PdMember::PdMember(core::env::Env env, const PdMemberOptions& options,
                   PdMemberObserver* observer,
                   std::unique_ptr<PdStateMachine> state_machine)
    : env_(env),
      options_(options),
      observer_(observer),
      state_machine_(std::move(state_machine)),
      ready_loop_(env),
      transport_(env.executor, env.clock, env.network,
                 TransportOptionsOf(options)),
      ready_event_(env.executor.NewEvent()),
      ticks_(options.tick_interval, options.max_catch_up_ticks),
      tso_(options.tso),
      ids_(options.id_allocator),
      schedule_prng_(env.random.NextU64()),
      window_waiters_(std::make_unique<Waiters>(env.executor)),
      proposal_nonce_(env.random.NextU64()) {
  for (const auto& [id, member] : options.members) {
    CHECK(member_ids_.emplace(member.peer_address, id).second)
        << "two members at " << member.peer_address;
  }
  read_ctx_prefix_ = std::to_string(options.id) + "." +
                     std::to_string(env.random.NextU64()) + ".";
  state_machine_->set_on_applied([this](std::vector<AppliedCommand> applied) {
    OnApplied(std::move(applied));
  });
}

PdMember::~PdMember() = default;

void PdMember::Start() {
  CHECK(!started_) << "member " << id() << " started twice";
  env_.executor.Spawn("pd-boot", [this] { Boot(); });
}

void PdMember::Boot() {
  absl::Status repaired = peer_->WriteRecoveryRepairs();
  if (!repaired.ok()) return peer_->Halt(repaired);
  auto server = store::transport::TransportServer::Start(
      env_.executor, env_.network,
      {.listen_address = info().peer_address,
       .max_frame_bytes = options_.transport.max_frame_bytes},
      [this](const core::env::Address& from, std::string frame) {
        OnFrame(from, std::move(frame));
      });
  if (!server.ok()) return peer_->Halt(server.status());
  server_ = *std::move(server);
  ticks_.Start(env_.clock.NowMonotonic());
  started_ = true;
  env_.executor.Spawn("pd-tick", [this] { TickLoop(); });
  env_.executor.Spawn("pd-ready", [this] { ReadyLoop(); });
  env_.executor.Spawn("pd-tso", [this] { TsoLoop(); });
  env_.executor.Spawn("pd-schedule", [this] { ScheduleLoop(); });
  if (observer_ != nullptr) observer_->AfterStep(id());
  ready_event_->Notify();
}

// ---------------------------------------------------------------- fibres

void PdMember::TickLoop() {
  while (!halted_) {
    env_.executor.SleepFor(options_.tick_interval);
    if (halted_) return;
    // A timer that fires late: the missed ticks are caught up next time.
    if (FAULT_POINT(env_.faults)) continue;
    CatchUpTicks();
  }
}

void PdMember::CatchUpTicks() {
  const int64_t due = ticks_.Due(env_.clock.NowMonotonic());
  if (due == 0) return;
  for (int64_t i = 0; i < due; ++i) peer_->raw_node().Tick();
  ready_event_->Notify();
}

void PdMember::ReadyLoop() {
  while (!halted_) {
    ready_event_->Wait();
    ready_event_->Reset();
    while (!halted_ && peer_->HasReady()) {
      ready_loop_.HandleReadies({peer_.get()});
      if (halted_) return;
      UpdateLeadership();
      MaybeCompactLog();
      if (observer_ != nullptr) observer_->AfterStep(id());
    }
  }
}

void PdMember::TsoLoop() {
  while (!halted_) {
    env_.executor.SleepFor(options_.tso_update_interval);
    if (!IsLeader()) continue;
    tso_.Tick(NowRealtimeMs());
    PumpPersistence();
    window_waiters_->NotifyAll();
  }
}

void PdMember::ScheduleLoop() {
  while (!halted_) {
    env_.executor.SleepFor(options_.schedule_interval);
    if (!IsLeader() || coordinator_ == nullptr) continue;
    const coordinator::RoundStats stats =
        coordinator_->RunRound(NowMonotonicMs());
    for (coordinator::StoreId store_id : stats.buried) {
      ProposeInBackground(SetStoreState{store_id, metapb::Tombstone});
    }
    if (!stats.added.empty()) NotifyOperatorsAdded();
  }
}

void PdMember::OnFrame(const core::env::Address& from, std::string frame) {
  if (halted_) return;
  auto member = member_ids_.find(from);
  if (member == member_ids_.end()) return;  // not a member: ignored
  auto message = core::raft::DecodeMessage(frame);
  // A member speaks for itself only, to us only.
  if (!message.ok() || message->to != id() || message->from != member->second) {
    return;
  }
  // A message lost after it arrived (a receive queue overflowing).
  if (FAULT_POINT_WITH_PROB(env_.faults, 0.01)) return;
  (void)base::Ignore(peer_->raw_node().Step(*message));
  ready_event_->Notify();
}

bool PdMember::Send(store::RegionId, const core::raft::Message& m) {
  auto to = options_.members.find(m.to);
  if (to == options_.members.end()) return false;
  return transport_.Send(to->second.peer_address, core::raft::EncodeMessage(m));
}

void PdMember::MaybeCompactLog() {
  const store::ApplyState& apply = peer_->storage().apply_state();
  if (peer_->applied_index() - apply.truncated_index <
      options_.compact_log_entries) {
    return;
  }
  absl::Status compacted = peer_->CompactLog();
  if (!compacted.ok()) peer_->Halt(compacted);
}

void PdMember::OnHalt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  leading_ = false;
  if (server_ != nullptr) server_->Close();
  transport_.Close();
  ready_event_->Notify();
  window_waiters_->NotifyAll();
  for (auto& [seq, pending] : proposals_) pending->applied->Notify();
  for (auto& [ctx, event] : reads_) event->Notify();
  if (observer_ != nullptr) observer_->OnHalt(id(), status);
}

// ---------------------------------------------------------------- leadership

bool PdMember::IsLeader() const {
  const core::raft::Raft& raft = peer_->raw_node().raft();
  return leading_ && !halted_ && raft.role() == StateRole::kLeader &&
         raft.term() == leader_term_;
}

NodeId PdMember::leader_id() const { return peer_->raw_node().raft().lead(); }

void PdMember::UpdateLeadership() {
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const bool raft_leader = !halted_ && raft.role() == StateRole::kLeader;
  if (leading_ && (!raft_leader || raft.term() != leader_term_)) StepDown();
  if (!raft_leader || leading_) return;
  if (catch_up_term_ != raft.term()) {
    // Everything in the log now (the no-op of this term included) was
    // there when this member won; once applied, the PdState is complete.
    catch_up_term_ = raft.term();
    catch_up_index_ = raft.raft_log().LastIndex();
  }
  if (peer_->applied_index() >= catch_up_index_) BecomeLeader(raft.term());
}

void PdMember::BecomeLeader(core::raft::Term term) {
  leading_ = true;
  leader_term_ = term;
  // Ref: PD syncTimestamp: start above every bound an earlier leader saved.
  tso_.BecomeLeader(NowRealtimeMs(), state().tso_bound_ms());
  ids_.BecomeLeader(state().id_end());
  coordinator_ = MakeCoordinator();
  PumpPersistence();
  if (state().cluster_id() == 0) {
    // Ref: PD initOrGetClusterID: time in the high bits, randomness below.
    const uint64_t seconds =
        static_cast<uint64_t>(NowRealtimeMs() / 1000) & 0xffffffff;
    const uint64_t cluster_id =
        (seconds << 32) | (env_.random.NextU64() & 0xffffffff);
    ProposeInBackground(SetClusterId{cluster_id == 0 ? 1 : cluster_id});
  }
}

void PdMember::StepDown() {
  leading_ = false;
  tso_.StepDown();
  ids_.StepDown();
  coordinator_.reset();
  window_waiters_->NotifyAll();
  for (auto& [ctx, event] : reads_) event->Notify();
}

std::unique_ptr<coordinator::Coordinator> PdMember::MakeCoordinator() {
  auto made = std::make_unique<coordinator::Coordinator>(
      options_.coordinator, schedule_prng_, [this]() -> uint64_t {
        if (!IsLeader()) return 0;
        auto id = ids_.Alloc();
        PumpPersistence();
        return id.ok() ? *id : 0;
      });
  made->AddScheduler(schedulers::NewBalanceLeaderScheduler());
  made->AddScheduler(schedulers::NewBalanceRegionScheduler());
  made->AddScheduler(schedulers::NewHotRegionScheduler());
  const int64_t now_ms = NowMonotonicMs();
  cluster::ClusterView& view = made->mutable_view();
  for (const auto& [id, store] : state().stores()) {
    (void)base::Ignore(
        view.PutStore(id, store.address(), LabelsOf(store), now_ms));
    if (store.state() != metapb::Up) {
      (void)base::Ignore(view.SetStoreOffline(id));
    }
    if (store.state() == metapb::Tombstone) {
      (void)base::Ignore(view.BuryStore(id));
    }
  }
  // Regions as last persisted; their leaders are a guess (the first voter)
  // until the leader's next heartbeat says.
  for (const auto& [id, meta] : state().regions()) {
    auto region = core::region::FromMetapb(meta);
    if (!region.ok()) continue;
    const std::vector<core::region::Peer> voters = region->IncomingVoters();
    if (voters.empty()) continue;
    cluster::RegionHeartbeat heartbeat{.region = *region,
                                       .leader = voters.front()};
    (void)base::Ignore(made->OnRegionHeartbeat(heartbeat, now_ms));
  }
  return made;
}

absl::Status PdMember::ConfirmLeadership() {
  if (!IsLeader()) return NotLeaderError();
  const core::raft::Term term = leader_term_;
  // Time the tick fibre has not seen yet (a pause, a late timer) must count
  // before Raft judges its lease. Ref: Raft thesis §6.4.1.
  CatchUpTicks();
  const std::string ctx = read_ctx_prefix_ + std::to_string(next_read_++);
  std::unique_ptr<core::env::Event> ready = env_.executor.NewEvent();
  Registration registration(reads_, ctx, ready.get());
  if (!peer_->ReadIndex(ctx).ok()) return NotLeaderError();
  ready_event_->Notify();
  if (!ready->WaitFor(options_.read_index_timeout)) {
    return absl::DeadlineExceededError("leadership not confirmed in time");
  }
  if (!IsLeader() || leader_term_ != term) return NotLeaderError();
  return absl::OkStatus();
}

void PdMember::OnReadReady(const std::string& ctx) {
  auto it = reads_.find(ctx);
  if (it != reads_.end()) it->second->Notify();
}

// ---------------------------------------------------------------- proposals

absl::StatusOr<CommandOutcome> PdMember::Propose(CommandBody body) {
  if (!IsLeader()) return NotLeaderError();
  const uint64_t seq = ++next_proposal_seq_;
  PendingProposal pending{env_.executor.NewEvent(), std::nullopt};
  Registration registration(proposals_, seq, &pending);
  const std::string_view name = CommandName(body);
  auto proposed = peer_->raw_node().Propose(
      EncodeCommand(Command{{proposal_nonce_, seq}, std::move(body)}));
  if (!proposed.ok()) {
    return absl::UnavailableError(
        "proposal dropped: " + core::raft::DescribeStepError(proposed.error()));
  }
  ready_event_->Notify();
  pending.applied->WaitFor(options_.proposal_timeout);
  if (pending.outcome.has_value()) return *std::move(pending.outcome);
  if (halted_) return absl::UnavailableError("member halted");
  return absl::DeadlineExceededError(std::string(name) +
                                     " not applied in time");
}

void PdMember::OnApplied(std::vector<AppliedCommand> applied) {
  for (AppliedCommand& command : applied) {
    if (command.id.nonce != proposal_nonce_) continue;
    auto it = proposals_.find(command.id.seq);
    if (it == proposals_.end()) continue;  // its waiter gave up
    it->second->outcome = std::move(command.outcome);
    it->second->applied->Notify();
  }
}

void PdMember::ProposeInBackground(CommandBody body) {
  env_.executor.Spawn("pd-propose", [this, body = std::move(body)]() mutable {
    (void)Propose(std::move(body));
  });
}

// ---------------------------------------------------------------- windows

void PdMember::PumpPersistence() {
  if (auto request = tso_.TakePersistRequest()) {
    env_.executor.Spawn("pd-tso-save",
                        [this, r = *request] { PersistTsoWindow(r); });
  }
  if (auto request = ids_.TakePersistRequest()) {
    env_.executor.Spawn("pd-id-save",
                        [this, r = *request] { PersistIdWindow(r); });
  }
}

void PdMember::PersistTsoWindow(tso::PersistRequest request) {
  auto outcome = Propose(SaveTsoBound{request.bound_ms});
  // The bound is applied (committed through Raft) before the TSO may serve
  // under it; stale acknowledgements are ignored by the TSO itself.
  if (outcome.ok() && !outcome->error.has_value()) {
    tso_.OnPersisted(request);
  } else {
    tso_.OnPersistFailed(request);
  }
  window_waiters_->NotifyAll();
  PumpPersistence();
}

void PdMember::PersistIdWindow(id::IdPersistRequest request) {
  if (MUTANT(PD_SERVER_ID_UNPERSISTED)) {
    // Known bug: the window counts as durable before its end is written, so
    // a leader that dies first leaves ids its successor hands out again.
    ids_.OnPersisted(request);
    window_waiters_->NotifyAll();
    PumpPersistence();
    (void)Propose(SaveIdEnd{request.end});
    return;
  }
  auto outcome = Propose(SaveIdEnd{request.end});
  if (outcome.ok() && !outcome->error.has_value()) {
    ids_.OnPersisted(request);
  } else {
    ids_.OnPersistFailed(request);
  }
  window_waiters_->NotifyAll();
  PumpPersistence();
}

absl::StatusOr<base::TimeStamp> PdMember::AllocateTimestamps(uint32_t count) {
  if (count == 0 || count >= options_.tso.max_logical) {
    return absl::InvalidArgumentError("TSO count must be in [1, " +
                                      std::to_string(options_.tso.max_logical) +
                                      ")");
  }
  if (!MUTANT(PD_SERVER_TSO_WITHOUT_LEASE)) {
    absl::Status confirmed = ConfirmLeadership();
    if (!confirmed.ok()) return confirmed;
  } else {
    // Known bug: serves on the belief that it leads, without the lease, so a
    // deposed leader that has not noticed yet answers after its successor.
  }
  const base::Instant deadline =
      env_.clock.NowMonotonic() + options_.allocate_timeout;
  while (true) {
    if (!IsLeader()) return NotLeaderError();
    auto ts = tso_.Allocate(count);
    PumpPersistence();
    if (ts.ok()) return *ts;
    if (std::holds_alternative<tso::NotLeader>(ts.error())) {
      return NotLeaderError();
    }
    // No durable window, or the logical clock of this millisecond is used
    // up: wait for a persisted window or the next tick.
    const Duration left = deadline - env_.clock.NowMonotonic();
    if (left <= Duration::Zero()) {
      return absl::DeadlineExceededError(
          core::region::ErrorToString(ts.error()));
    }
    window_waiters_->WaitFor(std::min(left, options_.tso_update_interval));
  }
}

absl::StatusOr<uint64_t> PdMember::AllocId() {
  const base::Instant deadline =
      env_.clock.NowMonotonic() + options_.allocate_timeout;
  while (true) {
    if (!IsLeader()) return NotLeaderError();
    auto id = ids_.Alloc();
    PumpPersistence();
    if (id.ok()) return *id;
    if (std::holds_alternative<id::NotLeader>(id.error())) {
      return NotLeaderError();
    }
    const Duration left = deadline - env_.clock.NowMonotonic();
    if (left <= Duration::Zero()) {
      return absl::DeadlineExceededError(
          core::region::ErrorToString(id.error()));
    }
    window_waiters_->WaitFor(left);
  }
}

int64_t PdMember::NowMonotonicMs() {
  return env_.clock.NowMonotonic().nanoseconds() / 1'000'000;
}

int64_t PdMember::NowRealtimeMs() {
  return env_.clock.NowRealtimeNs() / 1'000'000;
}

}  // namespace pd::server
