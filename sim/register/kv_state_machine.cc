#include "sim/register/kv_state_machine.h"

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace sim::register_kv {
namespace {

using core::env::Cf;
using core::raft::Index;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Every register record ("k...") and session record ("s...").
constexpr char kRecordsBegin[] = "k";
constexpr char kRecordsEnd[] = "t";

std::string KeyKey(const std::string& key) { return "k" + key; }

std::string SessionKey(uint64_t client) {
  std::string key = "s";
  core::base::PutFixed64BigEndian(&key, client);
  return key;
}

absl::Status Undecodable(const char* what, std::string_view key) {
  return absl::DataLossError(std::string("undecodable ") + what + " at " +
                             core::base::EscapeBytes(key));
}

}  // namespace

absl::StatusOr<std::optional<KvStateMachine::Session>>
KvStateMachine::ReadSession(uint64_t client) {
  const std::string key = SessionKey(client);
  auto raw = engine_.Get(Cf::kDefault, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<Session>();
  std::string_view in = **raw;
  Session session;
  if (!core::base::GetVarint64(&in, &session.write_index) ||
      !core::base::GetVarint64(&in, &session.seq) || in.size() != 1 ||
      static_cast<uint8_t>(in[0]) > kMaxOutcome) {
    return Undecodable("session", key);
  }
  session.outcome = static_cast<Outcome>(in[0]);
  return std::optional<Session>(session);
}

absl::StatusOr<std::optional<KvStateMachine::KeyRecord>>
KvStateMachine::ReadKey(const std::string& key) {
  const std::string engine_key = KeyKey(key);
  auto raw = engine_.Get(Cf::kDefault, engine_key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<KeyRecord>();
  std::string_view in = **raw;
  KeyRecord record;
  uint64_t value = 0;
  if (!core::base::GetVarint64(&in, &record.write_index) ||
      !core::base::GetVarint64(&in, &value) || !in.empty()) {
    return Undecodable("register", engine_key);
  }
  record.value = UnZigZag(value);
  return std::optional<KeyRecord>(record);
}

absl::StatusOr<std::optional<int64_t>> KvStateMachine::Read(
    const std::string& key) {
  auto record = ReadKey(key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::optional<int64_t>();
  return std::optional<int64_t>((*record)->value);
}

absl::StatusOr<Outcome> KvStateMachine::Execute(const Command& command,
                                                Index index,
                                                core::env::WriteBatch* batch) {
  auto current = ReadKey(command.key);
  if (!current.ok()) return current.status();
  const std::optional<KeyRecord>& record = *current;
  if (record.has_value() && record->write_index >= index) {
    // An entry's effects and the apply state covering it are one atomic
    // batch: a write by this or a later entry cannot exist yet.
    return absl::DataLossError(
        "register " + command.key + " written by entry " +
        std::to_string(record->write_index) + " before entry " +
        std::to_string(index) + " was applied");
  }
  if (command.kind == CommandKind::kCas &&
      (!record.has_value() || record->value != command.expected)) {
    return Outcome::kCasFailed;
  }
  std::string value;
  core::base::PutVarint64(&value, index);
  core::base::PutVarint64(&value, ZigZag(command.value));
  batch->Put(Cf::kDefault, KeyKey(command.key), value);
  return Outcome::kOk;
}

absl::Status KvStateMachine::ApplyEntry(const core::raft::Entry& entry,
                                        core::env::WriteBatch* batch) {
  auto decoded = DecodeCommand(entry.data);
  if (!decoded.ok()) {
    return absl::DataLossError("entry " + std::to_string(entry.index) + ": " +
                               decoded.error().reason);
  }
  const Command& command = *decoded;
  if (command.kind == CommandKind::kGet) {
    return absl::DataLossError("a read in the log at " +
                               std::to_string(entry.index));
  }
  auto session = ReadSession(command.client);
  if (!session.ok()) return session.status();
  const AppliedCommand base{entry.index, command.client, command.seq};
  if (session->has_value() && command.seq <= (*session)->seq) {
    // An earlier copy of the request was applied: answer from the session
    // if it is the session's last request.
    if ((*session)->seq == command.seq) {
      AppliedCommand cached = base;
      cached.outcome = (*session)->outcome;
      results_.push_back(cached);
    }
    return absl::OkStatus();
  }
  auto outcome = Execute(command, entry.index, batch);
  if (!outcome.ok()) return outcome.status();
  std::string record;
  core::base::PutVarint64(&record, entry.index);
  core::base::PutVarint64(&record, command.seq);
  record.push_back(static_cast<char>(*outcome));
  batch->Put(Cf::kDefault, SessionKey(command.client), record);
  AppliedCommand fresh = base;
  fresh.outcome = *outcome;
  results_.push_back(fresh);
  return absl::OkStatus();
}

absl::Status KvStateMachine::ApplySnapshot(const core::raft::Snapshot& snapshot,
                                           core::env::WriteBatch* batch) {
  batch->DeleteRange(Cf::kDefault, kRecordsBegin, kRecordsEnd);
  std::string_view in = snapshot.data;
  while (!in.empty()) {
    std::string_view key, value;
    if (!core::base::GetLengthPrefixed(&in, &key) ||
        !core::base::GetLengthPrefixed(&in, &value) || key < kRecordsBegin ||
        key >= kRecordsEnd) {
      return absl::DataLossError("undecodable register snapshot at index " +
                                 std::to_string(snapshot.metadata.index));
    }
    batch->Put(Cf::kDefault, key, value);
  }
  results_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::string> KvStateMachine::SnapshotData() {
  auto contents = Contents(engine_);
  if (!contents.ok()) return contents.status();
  std::string out;
  for (const auto& [key, value] : *contents) {
    core::base::PutLengthPrefixed(&out, key);
    core::base::PutLengthPrefixed(&out, value);
  }
  return out;
}

void KvStateMachine::AfterApply(Index applied_index) {
  std::vector<AppliedCommand> results = std::move(results_);
  results_.clear();
  if (on_applied_) on_applied_(results);
}

absl::StatusOr<std::map<std::string, std::string>> KvStateMachine::Contents(
    core::env::Engine& engine) {
  std::map<std::string, std::string> contents;
  const auto snapshot = engine.NewSnapshot();
  core::env::IteratorOptions options;
  options.lower_bound = kRecordsBegin;
  options.upper_bound = kRecordsEnd;
  auto it = snapshot->NewIterator(Cf::kDefault, options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents.emplace(std::string(it->key()), std::string(it->value()));
  }
  if (!it->status().ok()) return it->status();
  return contents;
}

}  // namespace sim::register_kv
