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

absl::StatusOr<std::unique_ptr<RegisterNode>> RegisterNode::Create(
    core::env::Env env, const RegisterNodeOptions& options,
    NodeObserver* observer) {
  CHECK(options.members.count(options.id) == 1)
      << "node " << options.id << " is not a member";
  auto recovered = RecoverRaftState(env.engine);
  if (!recovered.ok()) return recovered.status();
  auto applied = KvStateMachine::ReadAppliedIndex(env.engine);
  if (!applied.ok()) return applied.status();
  std::unique_ptr<RegisterNode> node(
      new RegisterNode(env, options, observer, *std::move(recovered)));
  core::raft::Config config = options.raft;
  config.id = options.id;
  // Entries after the recorded applied index are applied again (exactly
  // once, see KvStateMachine); the commit index bounds it.
  config.applied = std::min(*applied, node->recovered_.hard_state.commit);
  node->applied_ = config.applied;
  auto raw_node = core::raft::RawNode::Create(
      config, &node->store_.storage(), core::base::Prng(env.random.NextU64()));
  if (!raw_node.ok()) return raw_node.error();
  node->raw_node_.emplace(*std::move(raw_node));
  return node;
}

RegisterNode::RegisterNode(core::env::Env env,
                           const RegisterNodeOptions& options,
                           NodeObserver* observer, RecoveredRaftState recovered)
    : env_(env),
      options_(options),
      observer_(observer),
      recovered_(std::move(recovered)),
      repairs_(recovered_.repairs),
      store_(Voters(options), recovered_),
      state_machine_(env.engine),
      ready_event_(env.executor.NewEvent()) {
  read_ctx_prefix_ = std::to_string(options.id) + "." +
                     std::to_string(env.random.NextU64()) + ".";
}

void RegisterNode::Start() {
  CHECK(!started_) << "node " << id() << " started twice";
  env_.executor.Spawn("boot", [this] { Boot(); });
}

void RegisterNode::Boot() {
  if (!recovered_.repair.empty()) {
    absl::Status s = env_.engine.Write(recovered_.repair, {.sync = true});
    if (!s.ok()) return Halt(s);
  }
  recovered_ = RecoveredRaftState{};
  auto socket = env_.network.Bind(options_.members.at(id()));
  if (!socket.ok()) return Halt(socket.status());
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
  for (int64_t i = 0; i < due; ++i) raw_node_->Tick();
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
    (void)core::base::Ignore(raw_node_->Step(*message));
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
                       .leader_hint = raw_node_->raft().lead()};
  if (command.kind == CommandKind::kGet) {
    const std::string ctx = read_ctx_prefix_ + std::to_string(next_read_++);
    if (observer_ != nullptr) observer_->OnReadRequested(id(), ctx);
    if (!raw_node_->ReadIndex(ctx).ok()) return Respond(from, unavailable);
    reads_awaiting_index_.emplace(
        ctx, PendingRead{command.client, command.seq, command.key, from});
  } else {
    const auto key = std::make_pair(command.client, command.seq);
    if (!raw_node_->Propose(EncodeCommand(command)).ok()) {
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
    while (!halted_ && raw_node_->HasReady()) HandleReady();
  }
}

void RegisterNode::HandleReady() {
  core::raft::Ready ready = raw_node_->GetReady();
  Send(ready.messages);
  if (!Persist(ready)) return;
  Send(ready.persisted_messages);
  for (const core::raft::ReadState& rs : ready.read_states) {
    auto it = reads_awaiting_index_.find(rs.request_ctx);
    if (it == reads_awaiting_index_.end()) continue;
    if (observer_ != nullptr)
      observer_->OnReadServed(id(), rs.request_ctx, rs.index);
    reads_awaiting_apply_.emplace(rs.index, std::move(it->second));
    reads_awaiting_index_.erase(it);
  }
  if (!Apply(ready)) return;
  raw_node_->Advance();
  ServeReads();
  if (observer_ != nullptr) observer_->AfterStep(id());
}

// Fault points for a failing fsync: rare in general, and (when its site is
// active) frequent when the Ready records a vote, where losing the write
// matters most (Ref: Raft paper Figure 2, votedFor is persistent state).
bool RegisterNode::InjectSyncFailure(const core::raft::Ready& ready) {
  const core::raft::HardState& durable = store_.durable_hard_state();
  const bool vote = ready.hard_state.has_value() &&
                    ready.hard_state->vote != core::raft::kNone &&
                    (ready.hard_state->vote != durable.vote ||
                     ready.hard_state->term != durable.term);
  if (vote && FAULT_POINT_WITH_PROB(env_.faults, 0.5)) return true;
  return FAULT_POINT_WITH_PROB(env_.faults, 0.002);
}

// Step 2 of the Ready contract. False when the node halted.
bool RegisterNode::Persist(core::raft::Ready& ready) {
  StagedWrite staged;
  store_.Stage(ready, &staged);
  if (staged.empty()) return true;
  // A slow disk: widens the window between sending and persisting.
  if (FAULT_POINT(env_.faults)) {
    env_.executor.SleepFor(Duration::Milliseconds(
        1 + static_cast<int64_t>(env_.random.Uniform(50))));
  }
  if (ready.must_sync && InjectSyncFailure(ready)) {
    // The fsync fails (EIO): the batch reached the page cache only, and a
    // crash may or may not keep it.
    (void)WriteStaged(env_.engine, staged, /*sync=*/false);
    Halt(absl::InternalError("injected fsync failure"));
    return false;
  }
#if defined(MUTANT_SIM_ACK_BEFORE_SYNC)
  // MUTANT: acknowledges (sends the after-persist messages) before the
  // entries are synced; a crash in between forgets an acknowledged entry.
  absl::Status written = WriteStaged(env_.engine, staged, /*sync=*/false);
  if (written.ok() && ready.must_sync) {
    Send(ready.persisted_messages);
    ready.persisted_messages.clear();
    written = env_.engine.Sync();
  }
#else
  absl::Status written = WriteStaged(env_.engine, staged, ready.must_sync);
#endif
  if (!written.ok()) {
    Halt(written);
    return false;
  }
  if (ready.must_sync) store_.MarkDurable();
  return true;
}

bool RegisterNode::Apply(const core::raft::Ready& ready) {
  if (ready.committed_entries.empty()) return true;
  std::vector<AppliedCommand> results;
  absl::Status s = state_machine_.Apply(ready.committed_entries, &results);
  if (!s.ok()) {
    Halt(s);
    return false;
  }
  applied_ = ready.committed_entries.back().index;
  for (const AppliedCommand& result : results) {
    auto it = pending_writes_.find({result.client, result.seq});
    if (it == pending_writes_.end()) continue;
    Respond(it->second, Response{.client = result.client,
                                 .seq = result.seq,
                                 .outcome = result.outcome});
    pending_writes_.erase(it);
  }
  return true;
}

void RegisterNode::ServeReads() {
  while (!halted_ && !reads_awaiting_apply_.empty() &&
         reads_awaiting_apply_.begin()->first <= applied_) {
    PendingRead read = std::move(reads_awaiting_apply_.begin()->second);
    reads_awaiting_apply_.erase(reads_awaiting_apply_.begin());
    auto value = state_machine_.Read(read.key);
    if (!value.ok()) return Halt(value.status());
    Respond(read.from, Response{.client = read.client,
                                .seq = read.seq,
                                .outcome = Outcome::kOk,
                                .value = *value});
  }
}

void RegisterNode::Send(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    auto to = options_.members.find(m.to);
    if (to == options_.members.end()) continue;
    absl::Status s = socket_->Send(
        to->second, Frame(DatagramTag::kRaft, core::raft::EncodeMessage(m)));
    if (!s.ok()) raw_node_->ReportUnreachable(m.to);
  }
}

void RegisterNode::Respond(const core::env::Address& to, Response response) {
  (void)socket_->Send(to,
                      Frame(DatagramTag::kResponse, EncodeResponse(response)));
}

void RegisterNode::Halt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  if (socket_ != nullptr) socket_->Close();
  ready_event_->Notify();
  if (observer_ != nullptr) observer_->OnHalt(id(), status);
}

}  // namespace sim::register_kv
