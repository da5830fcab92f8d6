// PeerFsm's read path: lease reads on the leader (TiKV's LocalReader,
// components/raftstore/src/store/worker/read.rs) and ReadIndex reads on the
// leader outside its lease and on followers for replica read (peer.rs
// read_index, Raft thesis §6.4).
#include <string>
#include <utility>

#include "core/base/mutant.h"
#include "store/raftstore/peer_fsm.h"
#include "store/raftstore/region_error.h"
#include "store/raftstore/region_snapshot.h"

namespace store::raftstore {

std::optional<errorpb::Error> PeerFsm::CheckRead(
    const raft_cmdpb::RaftRequestHeader& header, bool replica_read) const {
  if (!initialized()) return RegionNotInitializedError(region_id());
  if (header.peer().id() != 0 && header.peer().id() != peer_id()) {
    return MismatchPeerIdError(header.peer().id(), peer_id());
  }
  if (!is_leader() && !replica_read)
    return NotLeaderError(region_id(), leader());
  if (is_leader() && header.term() != 0 &&
      header.term() != peer_->raw_node().raft().term()) {
    return StaleCommandError("read for term " + std::to_string(header.term()));
  }
  // Ref: TiKV util.rs check_req_region_epoch: a read checks the version
  // (MUTANT: it does not).
  if (!MUTANT(RAFTSTORE_NO_EPOCH_CHECK_ON_READ)) {
    raft_cmdpb::RaftCmdRequest probe;
    *probe.mutable_header() = header;
    if (auto stale = CheckEpochAtProposal(probe)) {
      return stale->header().error();
    }
  }
  return std::nullopt;
}

// Ref: TiKV peer.rs inspect_lease and read.rs: the lease holds and the
// leader applied an entry of its own term, so its applied state includes
// every write any leader acknowledged.
bool PeerFsm::LeaseReadable() const {
  if (!is_leader()) return false;
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const bool applied_current_term =
      raft.raft_log().ZeroTermOnError(peer_->applied_index()) == raft.term();
  if (MUTANT(RAFTSTORE_READ_WITHOUT_LEASE)) {
    // MUTANT: a leader serves local reads whether or not its lease holds,
    // so a partitioned old leader answers with what a new leader overwrote.
    return applied_current_term;
  }
  return applied_current_term && raft.LeaseReadValid();
}

ReadResponse PeerFsm::SnapshotNow() const {
  ReadResponse response;
  response.region = region();
  response.snapshot = NewRegionSnapshot(env_.engine.NewSnapshot(), region());
  return response;
}

void PeerFsm::Read(const raft_cmdpb::RaftRequestHeader& header,
                   bool replica_read, ReadCallback done) {
  if (hibernated_) WakeUp(/*tell_leader=*/true);
  if (auto refused = CheckRead(header, replica_read)) {
    ++read_stats_.read_errors;
    return done(ReadResponse{.error = std::move(refused)});
  }
  if (LeaseReadable()) {
    ++read_stats_.lease_reads;
    return done(SnapshotNow());
  }
  const std::string ctx = "read-" + std::to_string(++next_read_id_);
  if (!peer_->ReadIndex(ctx).ok()) {
    ++read_stats_.read_errors;
    return done(ReadResponse{.error = NotLeaderError(region_id(), leader())});
  }
  pending_reads_[ctx] = PendingRead{raft_ticks_, std::move(done)};
}

void PeerFsm::OnReadReady(const std::string& ctx) {
  auto it = pending_reads_.find(ctx);
  if (it == pending_reads_.end()) return;  // answered already (timed out)
  ReadCallback done = std::move(it->second.done);
  pending_reads_.erase(it);
  ++read_stats_.read_index_reads;
  done(SnapshotNow());
}

void PeerFsm::FailReads(const errorpb::Error& error) {
  std::map<std::string, PendingRead> failed = std::move(pending_reads_);
  pending_reads_.clear();
  for (auto& [ctx, read] : failed) {
    ++read_stats_.read_errors;
    read.done(ReadResponse{.error = error});
  }
}

void PeerFsm::ExpireReads() {
  const uint64_t limit_ticks =
      2 * static_cast<uint64_t>(options_.raft.election_timeout_ticks);
  for (auto it = pending_reads_.begin(); it != pending_reads_.end();) {
    if (raft_ticks_ - it->second.issued_tick < limit_ticks) {
      ++it;
      continue;
    }
    ReadCallback done = std::move(it->second.done);
    it = pending_reads_.erase(it);
    ++read_stats_.read_errors;
    done(ReadResponse{.error = StaleCommandError("read index timed out")});
  }
}

}  // namespace store::raftstore
