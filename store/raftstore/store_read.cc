// Store's read entry points (the router's half of TiKV's LocalReader and
// read_index: store.h Read).
#include <utility>

#include "core/base/mutant.h"
#include "store/raftstore/region_error.h"
#include "store/raftstore/store.h"

namespace store::raftstore {

void Store::Read(const raft_cmdpb::RaftRequestHeader& header, bool replica_read,
                 ReadCallback done) {
  if (closed_ || halted_ || !started_) {
    return done(ReadResponse{
        .error = ServerIsBusyError(started_ ? "the store is stopped"
                                            : "the store is starting")});
  }
  if (header.peer().store_id() != 0 && header.peer().store_id() != store_id()) {
    return done(ReadResponse{
        .error = StoreNotMatchError(header.peer().store_id(), store_id())});
  }
  // Time the tick fibre has not counted yet (a late timer, a pause) must
  // count before a peer judges its lease. Ref: Raft thesis §6.4.1.
  if (!MUTANT(RAFTSTORE_LEASE_BY_TICKS_ONLY)) CatchUpTicks();
  auto peer = peers_.find(header.region_id());
  if (peer == peers_.end()) {
    return done(ReadResponse{.error = RegionNotFoundError(header.region_id())});
  }
  peer->second->Read(header, replica_read, std::move(done));
  // A ReadIndex round produces a Ready for the raft fibre.
  wake_->Notify();
}

ReadResponse Store::ReadAndWait(const raft_cmdpb::RaftRequestHeader& header,
                                bool replica_read) {
  std::unique_ptr<core::env::Event> answered = env_.executor.NewEvent();
  std::optional<ReadResponse> answer;
  Read(header, replica_read, [&](ReadResponse response) {
    answer = std::move(response);
    answered->Notify();
  });
  answered->Wait();
  return *std::move(answer);
}

}  // namespace store::raftstore
