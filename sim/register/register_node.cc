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
      ready_event_(env.executor.NewEvent()) {
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
  auto socket = env_.network.Bind(options_.members.at(id()));
  if (!socket.ok()) return peer_->Halt(socket.status());
  socket_ = *std::move(socket);
  last_tick_ = env_.clock.NowMonotonic();
  started_ = true;
  env_.executor.Spawn("tick", [this] { TickLoop(); });
  env_.executor.Spawn("recv", [this] { ReceiveLoop(); });
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
  const core::base::Instant now = env_.clock.NowMonotonic();
  const int64_t interval = options_.tick_interval.nanoseconds();
  int64_t due = (now - last_tick_).nanoseconds() / interval;
  if (due <= 0) return;
  if (due > options_.max_catch_up_ticks) {
    due = options_.max_catch_up_ticks;
    last_tick_ = now;
  } else {
    last_tick_ = last_tick_ + Duration::Nanoseconds(due * interval);
  }
  for (int64_t i = 0; i < due; ++i) peer_->raw_node().Tick();
  ready_event_->Notify();
}

void RegisterNode::ReceiveLoop() {
  while (!halted_) {
    auto datagram = socket_->Receive(std::nullopt);
    if (halted_) return;
    if (!datagram.ok()) {
      if (absl::IsCancelled(datagram.status())) return;
      continue;
    }
    OnDatagram(*datagram);
  }
}

void RegisterNode::OnDatagram(const core::env::Datagram& datagram) {
  auto framed = Unframe(datagram.payload);
  if (!framed.ok()) return;  // Not ours: ignore, as a real node would.
  const auto& [tag, body] = *framed;
  if (tag == DatagramTag::kRaft) {
    auto message = core::raft::DecodeMessage(body);
    if (!message.ok() || message->to != id()) return;
    // A message lost after it arrived (a full socket buffer).
    if (FAULT_POINT_WITH_PROB(env_.faults, 0.01)) return;
    (void)core::base::Ignore(peer_->raw_node().Step(*message));
    ready_event_->Notify();
  } else if (tag == DatagramTag::kRequest) {
    auto command = DecodeCommand(body);
    if (command.ok()) OnRequest(*command, datagram.from);
  }
}

void RegisterNode::OnRequest(const Command& command,
                             const core::env::Address& from) {
  Response unavailable{.client = command.client,
                       .seq = command.seq,
                       .outcome = Outcome::kUnavailable,
                       .leader_hint = peer_->raw_node().raft().lead()};
  if (command.kind == CommandKind::kGet) {
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
  return socket_
      ->Send(to->second,
             Frame(DatagramTag::kRaft, core::raft::EncodeMessage(m)))
      .ok();
}

void RegisterNode::Respond(const core::env::Address& to, Response response) {
  (void)socket_->Send(to,
                      Frame(DatagramTag::kResponse, EncodeResponse(response)));
}

void RegisterNode::OnHalt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  if (socket_ != nullptr) socket_->Close();
  ready_event_->Notify();
  if (observer_ != nullptr) observer_->OnHalt(id(), status);
}

}  // namespace sim::register_kv
