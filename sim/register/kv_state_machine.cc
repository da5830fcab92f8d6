#include "sim/register/kv_state_machine.h"

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace sim::register_kv {
namespace {

using core::env::Cf;
using core::raft::Index;

constexpr char kAppliedKey[] = "applied";

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

std::string KeyKey(const std::string& key) { return "k" + key; }

std::string SessionKey(uint64_t client) {
  std::string key = "s";
  core::base::PutFixed64BigEndian(&key, client);
  return key;
}

std::string EncodeIndex(Index index) {
  std::string out;
  core::base::PutVarint64(&out, index);
  return out;
}

absl::Status Undecodable(const char* what, std::string_view key) {
  return absl::DataLossError(std::string("undecodable ") + what + " at " +
                             core::base::EscapeBytes(key));
}

absl::Status Write(core::env::Engine& engine,
                   const core::env::WriteBatch& batch) {
  return engine.Write(batch, core::env::WriteOptions{.sync = false});
}

}  // namespace

absl::StatusOr<Index> KvStateMachine::ReadAppliedIndex(
    core::env::Engine& engine) {
  auto raw = engine.Get(Cf::kDefault, kAppliedKey);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return Index{0};
  std::string_view in = **raw;
  Index index = 0;
  if (!core::base::GetVarint64(&in, &index) || !in.empty()) {
    return Undecodable("applied index", kAppliedKey);
  }
  return index;
}

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
                                                Index index) {
  auto current = ReadKey(command.key);
  if (!current.ok()) return current.status();
  const std::optional<KeyRecord>& record = *current;
  if (record.has_value() && record->write_index >= index) {
    // This entry's own key write survived a crash that lost its session
    // record; a later entry's write cannot survive without this entry's
    // session record (prefix guarantee).
    if (record->write_index > index) {
      return absl::DataLossError(
          "register " + command.key + " written by a later entry than " +
          std::to_string(index) + " before it was applied");
    }
    return Outcome::kOk;
  }
  if (command.kind == CommandKind::kCas &&
      (!record.has_value() || record->value != command.expected)) {
    return Outcome::kCasFailed;
  }
  std::string value;
  core::base::PutVarint64(&value, index);
  core::base::PutVarint64(&value, ZigZag(command.value));
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, KeyKey(command.key), value);
  if (absl::Status s = Write(engine_, batch); !s.ok()) return s;
  return Outcome::kOk;
}

absl::Status KvStateMachine::ApplyOne(const core::raft::Entry& entry,
                                      std::vector<AppliedCommand>* results) {
  if (entry.type != core::raft::EntryType::kNormal || entry.data.empty()) {
    return absl::OkStatus();
  }
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
  if (session->has_value() && ((*session)->write_index >= entry.index ||
                               command.seq <= (*session)->seq)) {
    // Applied before (at this index, or an earlier copy of the request):
    // answer from the session if it is the session's last request.
    if ((*session)->seq == command.seq) {
      AppliedCommand cached = base;
      cached.outcome = (*session)->outcome;
      results->push_back(cached);
    }
    return absl::OkStatus();
  }
  auto outcome = Execute(command, entry.index);
  if (!outcome.ok()) return outcome.status();
  std::string record;
  core::base::PutVarint64(&record, entry.index);
  core::base::PutVarint64(&record, command.seq);
  record.push_back(static_cast<char>(*outcome));
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, SessionKey(command.client), record);
  if (absl::Status s = Write(engine_, batch); !s.ok()) return s;
  AppliedCommand fresh = base;
  fresh.outcome = *outcome;
  results->push_back(fresh);
  return absl::OkStatus();
}

absl::Status KvStateMachine::Apply(
    const std::vector<core::raft::Entry>& entries,
    std::vector<AppliedCommand>* results) {
  if (entries.empty()) return absl::OkStatus();
  for (const core::raft::Entry& entry : entries) {
    if (absl::Status s = ApplyOne(entry, results); !s.ok()) return s;
  }
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, kAppliedKey, EncodeIndex(entries.back().index));
  return Write(engine_, batch);
}

absl::StatusOr<std::map<std::string, std::string>> KvStateMachine::Contents(
    core::env::Engine& engine) {
  std::map<std::string, std::string> contents;
  const auto snapshot = engine.NewSnapshot();
  core::env::IteratorOptions options;
  options.lower_bound = "k";
  options.upper_bound = "t";
  auto it = snapshot->NewIterator(Cf::kDefault, options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents.emplace(std::string(it->key()), std::string(it->value()));
  }
  if (!it->status().ok()) return it->status();
  return contents;
}

}  // namespace sim::register_kv
