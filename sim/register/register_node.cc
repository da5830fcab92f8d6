#include "sim/register/register_node.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/env/fault_points.h"
#include "core/raft/codec.h"

namespace sim::register_kv {
namespace {

using core::base::Duration;
using core::raft::Index;
using core::raft::Message;

core::raft::ConfState Voters(const RegisterNodeOptions& options) {
  core::raft::ConfState conf_state;
  for (const auto& [id, address] : options.members) {
    conf_state.voters.push_back(id);
  }
  return conf_state;
}

store::transport::TransportOptions TransportOptionsOf(
    const RegisterNodeOptions& options) {
  store::transport::TransportOptions transport = options.transport;
  transport.local_address = options.members.at(options.id);
  return transport;
}

}  // namespace

absl::StatusOr<store::RecoveredPeerState> RecoverRegisterState(
    core::env::Engine& engine) {
  // The membership is fixed by the harness; no conf change is ever made.
  return store::RecoverPeerState(engine, kRegisterRegionId, {});
}

absl::StatusOr<std::unique_ptr<RegisterNode>> RegisterNode::Create(
    core::env::Env env, const RegisterNodeOptions& options,
    NodeObserver* observer) {
  CHECK(options.members.count(options.id) == 1)
      << "node " << options.id << " is not a member";
  std::unique_ptr<RegisterNode> node(new RegisterNode(env, options, observer));
  store::PeerOptions peer_options{.region_id = kRegisterRegionId,
                                  .raft = options.raft,
                                  .initial_conf_state = Voters(options)};
  peer_options.raft.id = options.id;
  auto peer =
      store::Peer::Create(env, peer_options, &node->state_machine_, node.get());
  if (!peer.ok()) return peer.status();
  node->peer_ = *std::move(peer);
  return node;
}

RegisterNode::RegisterNode(core::env::Env env,
                           const RegisterNodeOptions& options,
                           NodeObserver* observer)
    : env_(env),
      options_(options),
      observer_(observer),
      state_machine_(env.engine),
      ready_loop_(env),
      transport_(env.executor, env.clock, env.network,
                 TransportOptionsOf(options)),
      ready_event_(env.executor.NewEvent()),
      ticks_(options.tick_interval, options.max_catch_up_ticks) {
  for (const auto& [member, address] : options.members) {
    CHECK(member_ids_.emplace(address, member).second)
        << "two members listen at " << address;
  }
  read_ctx_prefix_ = std::to_string(options.id) + "." +
                     std::to_string(env.random.NextU64()) + ".";
  state_machine_.set_on_applied(
      [this](const std::vector<AppliedCommand>& results) {
        OnApplied(results);
      });
}

void RegisterNode::Start() {
  CHECK(!started_) << "node " << id() << " started twice";
  env_.executor.Spawn("boot", [this] { Boot(); });
}

void RegisterNode::Boot() {
  absl::Status repaired = peer_->WriteRecoveryRepairs();
  if (!repaired.ok()) return peer_->Halt(repaired);
  auto server = store::transport::TransportServer::Start(
      env_.executor, env_.network,
      {.listen_address = options_.members.at(id()),
       .max_frame_bytes = options_.transport.max_frame_bytes},
      [this](const core::env::Address& from, std::string frame) {
        OnFrame(from, std::move(frame));
      });
  if (!server.ok()) return peer_->Halt(server.status());
  server_ = *std::move(server);
  ticks_.Start(env_.clock.NowMonotonic());
  started_ = true;
  env_.executor.Spawn("tick", [this] { TickLoop(); });
  env_.executor.Spawn("ready", [this] { ReadyLoop(); });
  if (observer_ != nullptr) observer_->AfterStep(id());
  ready_event_->Notify();
}

void RegisterNode::TickLoop() {
  while (!halted_) {
    env_.executor.SleepFor(options_.tick_interval);
    if (halted_) return;
    // A timer that fires late: the missed ticks are caught up next time.
    if (FAULT_POINT(env_.faults)) continue;
    CatchUpTicks();
  }
}

void RegisterNode::CatchUpTicks() {
  const int64_t due = ticks_.Due(env_.clock.NowMonotonic());
  if (due == 0) return;
  for (int64_t i = 0; i < due; ++i) peer_->raw_node().Tick();
  ready_event_->Notify();
}

void RegisterNode::OnFrame(const core::env::Address& from, std::string frame) {
  if (halted_) return;
  auto member = member_ids_.find(from);
  if (member != member_ids_.end()) return OnRaftMessage(member->second, frame);
  auto command = DecodeCommand(frame);
  if (command.ok()) OnRequest(*command, from);  // Garbage: ignored.
}

void RegisterNode::OnRaftMessage(NodeId from, const std::string& frame) {
  auto message = core::raft::DecodeMessage(frame);
  // A member speaks for itself only, to us only.
  if (!message.ok() || message->to != id() || message->from != from) return;
  // A message lost after it arrived (a receive queue overflowing).
  if (FAULT_POINT_WITH_PROB(env_.faults, 0.01)) return;
  (void)core::base::Ignore(peer_->raw_node().Step(*message));
  ready_event_->Notify();
}

void RegisterNode::OnRequest(const Command& command,
                             const core::env::Address& from) {
  Response unavailable{.client = command.client,
                       .seq = command.seq,
                       .outcome = Outcome::kUnavailable,
                       .leader_hint = peer_->raw_node().raft().lead()};
  if (command.kind == CommandKind::kGet) {
    // Time the tick fibre has not seen yet (a pause, a late timer) must
    // count before Raft judges its lease. Ref: Raft thesis §6.4.1.
    CatchUpTicks();
    const std::string ctx = read_ctx_prefix_ + std::to_string(next_read_++);
    if (observer_ != nullptr) observer_->OnReadRequested(id(), ctx);
    if (!peer_->ReadIndex(ctx).ok()) return Respond(from, unavailable);
    pending_reads_.emplace(
        ctx, PendingRead{command.client, command.seq, command.key, from});
  } else {
    const auto key = std::make_pair(command.client, command.seq);
    if (!peer_->raw_node().Propose(EncodeCommand(command)).ok()) {
      return Respond(from, unavailable);
    }
    pending_writes_[key] = from;
  }
  ready_event_->Notify();
}

void RegisterNode::ReadyLoop() {
  while (!halted_) {
    ready_event_->Wait();
    ready_event_->Reset();
    while (!halted_ && peer_->HasReady()) {
      ready_loop_.HandleReadies({peer_.get()});
      if (observer_ != nullptr && !halted_) observer_->AfterStep(id());
    }
  }
}

void RegisterNode::OnApplied(const std::vector<AppliedCommand>& results) {
  for (const AppliedCommand& result : results) {
    auto it = pending_writes_.find({result.client, result.seq});
    if (it == pending_writes_.end()) continue;
    Respond(it->second, Response{.client = result.client,
                                 .seq = result.seq,
                                 .outcome = result.outcome});
    pending_writes_.erase(it);
  }
}

void RegisterNode::OnReadIndex(const std::string& ctx,
                               core::raft::Index read_index) {
  if (observer_ != nullptr && pending_reads_.count(ctx) != 0) {
    observer_->OnReadServed(id(), ctx, read_index);
  }
}

void RegisterNode::OnReadReady(const std::string& ctx) {
  auto it = pending_reads_.find(ctx);
  if (it == pending_reads_.end()) return;
  PendingRead read = std::move(it->second);
  pending_reads_.erase(it);
  auto value = state_machine_.Read(read.key);
  if (!value.ok()) return peer_->Halt(value.status());
  Respond(read.from, Response{.client = read.client,
                              .seq = read.seq,
                              .outcome = Outcome::kOk,
                              .value = *value});
}

bool RegisterNode::Send(store::RegionId, const Message& m) {
  auto to = options_.members.find(m.to);
  if (to == options_.members.end()) return false;
  return transport_.Send(to->second, core::raft::EncodeMessage(m));
}

void RegisterNode::Respond(const core::env::Address& to, Response response) {
  (void)transport_.Send(to, EncodeResponse(response));
}

void RegisterNode::OnHalt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  if (server_ != nullptr) server_->Close();
  transport_.Close();
  ready_event_->Notify();
  if (observer_ != nullptr) observer_->OnHalt(id(), status);
}

}  // namespace sim::register_kv
