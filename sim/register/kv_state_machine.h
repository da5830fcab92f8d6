// KvStateMachine: the replicated register's state, applied from committed
// Raft entries into the engine's `default` column family. It is the
// register's store::Applier: the peer hands it each committed entry with a
// batch, and writes that batch together with the apply state that records
// the entry as applied (store/peer/peer.h), so a crash keeps an entry's
// effects exactly when it keeps the applied index covering them.
//
// Layout in Cf::kDefault (DO NOT CHANGE: persisted):
//   "k" + key          varint write_index | zigzag value
//   "s" + BE64(client) varint write_index | varint seq | u8 outcome
// `write_index` is the log index of the entry that wrote the record.
// Snapshot data: every record, as length-prefixed key and value pairs.
//
// Exactly-once application (Ref: Raft thesis §6.3): each command carries
// (client, seq); the session record keeps the client's last applied seq and
// its outcome, so a duplicate (a retried or re-proposed request) is not
// applied again and is answered from the session.
//
// Thread-affinity: the node's executor.
#ifndef SIM_REGISTER_KV_STATE_MACHINE_H_
#define SIM_REGISTER_KV_STATE_MACHINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "sim/register/protocol.h"
#include "store/peer/peer.h"

namespace sim::register_kv {

// A response the proposer owes its client once an entry is applied.
struct AppliedCommand {
  core::raft::Index index = 0;
  uint64_t client = 0;
  uint64_t seq = 0;
  Outcome outcome = Outcome::kOk;
};

class KvStateMachine final : public store::Applier {
 public:
  // Receives the outcomes of the entries a Ready applied, once written.
  using AppliedCallback =
      std::function<void(const std::vector<AppliedCommand>&)>;

  explicit KvStateMachine(core::env::Engine& engine) : engine_(engine) {}
  void set_on_applied(AppliedCallback callback) {
    on_applied_ = std::move(callback);
  }

  // store::Applier. ApplyEntry records one AppliedCommand per command whose
  // outcome is known (a fresh one, or a duplicate of the session's last
  // seq); AfterApply hands them to the callback. Errors (engine failures,
  // an undecodable entry) halt the peer.
  absl::Status ApplyEntry(const core::raft::Entry& entry,
                          core::env::WriteBatch* batch) override;
  absl::Status ApplySnapshot(const core::raft::Snapshot& snapshot,
                             core::env::WriteBatch* batch) override;
  absl::StatusOr<std::string> SnapshotData() override;
  void AfterApply(core::raft::Index applied_index) override;

  // The value of `key` (nullopt when never written).
  absl::StatusOr<std::optional<int64_t>> Read(const std::string& key);

  // Every "k" and "s" record (raw bytes), to compare replicas.
  static absl::StatusOr<std::map<std::string, std::string>> Contents(
      core::env::Engine& engine);

 private:
  struct Session {
    core::raft::Index write_index = 0;
    uint64_t seq = 0;
    Outcome outcome = Outcome::kOk;
  };
  struct KeyRecord {
    core::raft::Index write_index = 0;
    int64_t value = 0;
  };

  absl::StatusOr<std::optional<Session>> ReadSession(uint64_t client);
  absl::StatusOr<std::optional<KeyRecord>> ReadKey(const std::string& key);
  // Executes a fresh command at `index` into `batch`; returns its outcome.
  absl::StatusOr<Outcome> Execute(const Command& command,
                                  core::raft::Index index,
                                  core::env::WriteBatch* batch);

  core::env::Engine& engine_;
  AppliedCallback on_applied_;
  std::vector<AppliedCommand> results_;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_KV_STATE_MACHINE_H_
