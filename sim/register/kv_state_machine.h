// KvStateMachine: the replicated register's state, applied from committed
// Raft entries into the engine's `default` column family.
//
// Layout in Cf::kDefault (DO NOT CHANGE: persisted):
//   "applied"          varint index: entries up to here are applied
//   "k" + key          varint write_index | zigzag value
//   "s" + BE64(client) varint write_index | varint seq | u8 outcome
// `write_index` is the log index of the entry that wrote the record.
//
// Exactly-once application (Ref: Raft thesis §6.3): each command carries
// (client, seq); the session record keeps the client's last applied seq and
// its outcome, so a duplicate (a retried or re-proposed request) is not
// applied again and is answered from the session.
//
// Crash safety without atomic batches. The engine may lose a suffix of the
// unsynced batches and tear the first lost one, so every entry is written
// as two batches, in order: its key write, then its session record; after
// a run of entries, one more batch advances "applied". By the engine's
// prefix guarantee, a surviving session record implies its key write
// survived, and a surviving "applied" implies everything before it did.
// Re-applying entry i after a crash is therefore exact: skip it if its
// session record is there (write_index >= i); a CAS whose own key write
// survived (the key's write_index == i) succeeded; otherwise execute it.
//
// Thread-affinity: the node's executor.
#ifndef SIM_REGISTER_KV_STATE_MACHINE_H_
#define SIM_REGISTER_KV_STATE_MACHINE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "sim/register/protocol.h"

namespace sim::register_kv {

// A response the proposer owes its client once an entry is applied.
struct AppliedCommand {
  core::raft::Index index = 0;
  uint64_t client = 0;
  uint64_t seq = 0;
  Outcome outcome = Outcome::kOk;
};

class KvStateMachine {
 public:
  explicit KvStateMachine(core::env::Engine& engine) : engine_(engine) {}

  // The applied index recorded in `engine` (0 when absent).
  static absl::StatusOr<core::raft::Index> ReadAppliedIndex(
      core::env::Engine& engine);

  // Applies committed entries, in order (empty entries are no-ops). Appends
  // to `results` one AppliedCommand per command whose outcome is known: a
  // fresh one, or a duplicate of the session's last seq. Errors (engine
  // failures, an undecodable entry) leave the node to stop.
  absl::Status Apply(const std::vector<core::raft::Entry>& entries,
                     std::vector<AppliedCommand>* results);

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
  absl::Status ApplyOne(const core::raft::Entry& entry,
                        std::vector<AppliedCommand>* results);
  // Executes a fresh command at `index`; returns its outcome.
  absl::StatusOr<Outcome> Execute(const Command& command,
                                  core::raft::Index index);

  core::env::Engine& engine_;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_KV_STATE_MACHINE_H_
