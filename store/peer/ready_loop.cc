#include "store/peer/ready_loop.h"

#include "core/base/mutant.h"
#include "core/base/time.h"
#include "core/env/fault_points.h"

namespace store {

size_t ReadyLoop::HandleReadies(const std::vector<Peer*>& peers) {
  ++stats_.iterations;
  std::vector<Peer*> ready;
  core::env::WriteBatch batch;
  bool must_sync = false, records_vote = false;
  for (Peer* peer : peers) {
    if (!peer->HasReady()) continue;
    peer->CollectReady(&batch);
    if (peer->halted()) continue;
    ready.push_back(peer);
    must_sync = must_sync || peer->ready_must_sync();
    records_vote = records_vote || peer->ready_records_vote();
  }
  stats_.readies += ready.size();
  if (ready.empty()) return 0;
  if (before_persist_) before_persist_();
  absl::Status persisted = Persist(ready, batch, must_sync, records_vote);
  if (!persisted.ok()) {
    for (Peer* peer : ready) peer->Halt(persisted);
    return ready.size();
  }
  for (Peer* peer : ready) {
    peer->OnPersisted();
    peer->ApplyCommitted();
  }
  return ready.size();
}

bool ReadyLoop::InjectSyncFailure(bool records_vote) {
  if (records_vote && FAULT_POINT_WITH_PROB(env_.faults, 0.5)) return true;
  return FAULT_POINT_WITH_PROB(env_.faults, 0.002);
}

absl::Status ReadyLoop::Persist(const std::vector<Peer*>& ready,
                                const core::env::WriteBatch& batch,
                                bool must_sync, bool records_vote) {
  if (batch.empty()) return absl::OkStatus();
  // A slow disk: widens the window between sending and persisting.
  if (FAULT_POINT(env_.faults)) {
    env_.executor.SleepFor(core::base::Duration::Milliseconds(
        1 + static_cast<int64_t>(env_.random.Uniform(50))));
  }
  ++stats_.writes;
  if (must_sync && InjectSyncFailure(records_vote)) {
    // The fsync fails (EIO): the batch reached the page cache only, and a
    // crash may or may not keep it.
    (void)env_.engine.Write(batch, {.sync = false});
    return absl::InternalError("injected fsync failure");
  }
  if (must_sync) ++stats_.syncs;
  if (MUTANT(SIM_ACK_BEFORE_SYNC)) {
    // MUTANT: acknowledges (sends the after-persist messages) before the
    // entries are synced; a crash in between forgets an acknowledged entry.
    absl::Status written = env_.engine.Write(batch, {.sync = false});
    if (written.ok() && must_sync) {
      for (Peer* peer : ready) peer->SendPersistedMessagesEarly();
      written = env_.engine.Sync();
    }
    return written;
  } else {
    (void)ready;
    return env_.engine.Write(batch, {.sync = must_sync});
  }
}

}  // namespace store
