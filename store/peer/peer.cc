#include "store/peer/peer.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/raft/codec.h"

namespace store {

void CheckReadyHandled(const core::raft::Ready& ready,
                       const ReadyHandled& handled) {
  CHECK(handled.messages || ready.messages.empty())
      << "Ready " << ready.number << ": messages were not sent";
  CHECK(handled.persisted ||
        (!ready.snapshot.has_value() && ready.entries.empty() &&
         !ready.hard_state.has_value()))
      << "Ready " << ready.number
      << ": snapshot, entries or hard state were not persisted";
  CHECK(handled.persisted_messages || ready.persisted_messages.empty())
      << "Ready " << ready.number << ": after-persist messages were not sent";
  CHECK(handled.read_states || ready.read_states.empty())
      << "Ready " << ready.number << ": read states were dropped";
  CHECK(handled.committed_entries || ready.committed_entries.empty())
      << "Ready " << ready.number << ": committed entries were not applied";
}

absl::StatusOr<std::unique_ptr<Peer>> Peer::Create(core::env::Env env,
                                                   const PeerOptions& options,
                                                   Applier* applier,
                                                   PeerHost* host) {
  auto recovered = RecoverPeerState(env.engine, options.region_id,
                                    options.initial_conf_state);
  if (!recovered.ok()) return recovered.status();
  std::unique_ptr<Peer> peer(
      new Peer(env, options, applier, host, *std::move(recovered)));
  core::raft::Config config = options.raft;
  config.applied = peer->storage_.apply_state().applied_index;
  peer->applied_ = config.applied;
  auto raw_node =
      core::raft::RawNode::Create(config, &peer->storage_.storage(),
                                  core::base::Prng(env.random.NextU64()));
  if (!raw_node.ok()) return raw_node.error();
  peer->raw_node_.emplace(*std::move(raw_node));
  return peer;
}

Peer::Peer(core::env::Env env, const PeerOptions& options, Applier* applier,
           PeerHost* host, RecoveredPeerState recovered)
    : env_(env),
      applier_(applier),
      host_(host),
      recovered_(std::move(recovered)),
      repairs_(recovered_.repairs),
      storage_(options.region_id, recovered_) {}

absl::Status Peer::WriteRecoveryRepairs() {
  if (storage_.apply_state().truncated_index > 0) {
    auto data = applier_->SnapshotData();
    if (!data.ok()) return data.status();
    storage_.RefreshSnapshot(*std::move(data));
  }
  core::env::WriteBatch repair = std::move(recovered_.repair);
  recovered_ = RecoveredPeerState{};
  if (repair.empty()) return absl::OkStatus();
  return env_.engine.Write(repair, {.sync = true});
}

core::raft::StepResult Peer::ReadIndex(const std::string& ctx) {
  return raw_node_->ReadIndex(ctx);
}

bool Peer::ready_records_vote() const {
  const core::raft::HardState& durable = storage_.durable_hard_state();
  return ready_->hard_state.has_value() &&
         ready_->hard_state->vote != core::raft::kNone &&
         (ready_->hard_state->vote != durable.vote ||
          ready_->hard_state->term != durable.term);
}

void Peer::CollectReady(core::env::WriteBatch* batch) {
  CHECK(!ready_.has_value())
      << "region " << region_id() << ": a Ready is already being handled";
  ready_ = raw_node_->GetReady();
  handled_ = ReadyHandled{};
  Send(ready_->messages);
  handled_.messages = true;
  if (ready_->snapshot.has_value()) {
    storage_.StageSnapshot(*ready_->snapshot, batch);
    absl::Status s = applier_->ApplySnapshot(*ready_->snapshot, batch);
    if (!s.ok()) return Halt(s);
  }
  storage_.Stage(*ready_, batch);
  handled_.persisted = true;
  for (const core::raft::ReadState& rs : ready_->read_states) {
    host_->OnReadIndex(rs.request_ctx, rs.index);
    reads_awaiting_apply_.emplace(rs.index, rs.request_ctx);
  }
  handled_.read_states = true;
}

void Peer::SendPersistedMessagesEarly() {
  Send(ready_->persisted_messages);
  ready_->persisted_messages.clear();
}

void Peer::OnPersisted() {
  if (halted_) return;
  if (ready_->must_sync) storage_.MarkDurable();
  if (ready_->snapshot.has_value()) {
    applied_ = ready_->snapshot->metadata.index;
    host_->OnConfState(ready_->snapshot->metadata.conf_state);
  }
  Send(ready_->persisted_messages);
  handled_.persisted_messages = true;
  raw_node_->AdvanceAppend();
}

void Peer::ApplyCommitted() {
  if (halted_) return;
  for (const Entry& entry : ready_->committed_entries) {
    absl::Status s = ApplyEntry(entry);
    if (!s.ok()) return Halt(s);
  }
  handled_.committed_entries = true;
  CheckReadyHandled(*ready_, handled_);
  const bool applied_entries = !ready_->committed_entries.empty();
  ready_.reset();
  if (applied_entries) raw_node_->AdvanceApply();
  applier_->AfterApply(applied_);
  ReleaseReads();
}

absl::Status Peer::ApplyEntry(const Entry& entry) {
  CHECK_EQ(entry.index, applied_ + 1)
      << "region " << region_id() << ": committed entries out of order";
  core::env::WriteBatch batch;
  ConfState conf_state = storage_.apply_state().conf_state;
  bool conf_changed = false;
  if (entry.type == core::raft::EntryType::kConfChange) {
    absl::Status s =
        ApplyConfChangeEntry(entry, &batch, &conf_state, &conf_changed);
    if (!s.ok()) return s;
  } else if (!entry.data.empty()) {
    absl::Status s = applier_->ApplyEntry(entry, &batch);
    if (!s.ok()) return s;
  }
  storage_.ApplyStateWrite(entry.index, conf_state, &batch);
  absl::Status written = env_.engine.Write(batch, {.sync = false});
  if (!written.ok()) return written;
  applied_ = entry.index;
  if (conf_changed) host_->OnConfState(conf_state);
  return absl::OkStatus();
}

absl::Status Peer::ApplyConfChangeEntry(const Entry& entry,
                                        core::env::WriteBatch* batch,
                                        ConfState* conf_state, bool* changed) {
  auto change = core::raft::DecodeConfChange(entry.data);
  if (!change.ok()) {
    return absl::DataLossError("region " + std::to_string(region_id()) +
                               ": undecodable conf change at index " +
                               std::to_string(entry.index));
  }
  auto accepted = applier_->ApplyConfChange(entry, *change, batch);
  if (!accepted.ok()) return accepted.status();
  if (!*accepted) return absl::OkStatus();
  auto applied = raw_node_->ApplyConfChange(*change);
  // A change the core refuses (e.g. one leaving no voter) is a no-op, as in
  // etcd: the membership stays as it was. The application must not have
  // recorded it then: its view and Raft's would part.
  if (!applied.ok()) {
    if (batch->empty()) return absl::OkStatus();
    return absl::InternalError(
        "region " + std::to_string(region_id()) +
        ": the applier accepted a conf change Raft refuses at index " +
        std::to_string(entry.index));
  }
  *conf_state = *applied;
  *changed = true;
  return absl::OkStatus();
}

void Peer::ReleaseReads() {
  while (!halted_ && !reads_awaiting_apply_.empty() &&
         reads_awaiting_apply_.begin()->first <= applied_) {
    const std::string ctx = std::move(reads_awaiting_apply_.begin()->second);
    reads_awaiting_apply_.erase(reads_awaiting_apply_.begin());
    host_->OnReadReady(ctx);
  }
}

absl::Status Peer::CompactLog() { return CompactLogTo(applied_); }

absl::Status Peer::CompactLogTo(Index compact_index) {
  if (std::min(compact_index, applied_) <=
      storage_.apply_state().truncated_index) {
    return absl::OkStatus();
  }
  auto data = applier_->SnapshotData();
  if (!data.ok()) return data.status();
  core::env::WriteBatch batch;
  storage_.CompactTo(compact_index, *std::move(data), &batch);
  if (batch.empty()) return absl::OkStatus();
  return env_.engine.Write(batch, {.sync = false});
}

absl::Status Peer::RefreshSnapshot() {
  auto data = applier_->SnapshotData();
  if (!data.ok()) return data.status();
  storage_.RefreshSnapshot(*std::move(data));
  return absl::OkStatus();
}

void Peer::Send(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    const bool sent = host_->Send(region_id(), m);
    if (!sent) raw_node_->ReportUnreachable(m.to);
    // The transport only queues (store/transport: a frame may still be lost
    // with a broken connection): a snapshot handed over counts as finished
    // (the leader then probes, and resends if it was lost), one refused at
    // once as failed. Ref: etcd rafthttp's snapshot sender calling
    // ReportSnapshot; the RawNode contract in core/raft/raw_node.h.
    if (m.type == core::raft::MessageType::kMsgSnap) {
      raw_node_->ReportSnapshot(m.to, /*failed=*/!sent);
    }
  }
}

void Peer::Halt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  host_->OnHalt(status);
}

}  // namespace store
