#include "core/engine/mem_engine.h"

#include <array>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/mutant.h"

namespace core::engine {
namespace internal {

// Keys the rolling collection cursor revisits per op: in the table written
// and in one other table in turn. Garbage a released snapshot leaves behind
// is thus reclaimed within O(#keys) later writes, at O(log n) per write.
constexpr int kCollectKeysPerOpWritten = 2;
constexpr int kCollectKeysPerOpOther = 1;

// Everything a snapshot reads; shared so that snapshots outlive crashes.
struct MemEngineState {
  std::array<VersionedTable, env::kAllCfs.size()> tables;
  PinSet pins;
  SequenceNumber last_seq = 0;

  VersionedTable& table(env::Cf cf) { return tables[static_cast<size_t>(cf)]; }
  const VersionedTable& table(env::Cf cf) const {
    return tables[static_cast<size_t>(cf)];
  }

  size_t VersionCount() const {
    size_t count = 0;
    for (const VersionedTable& t : tables) count += t.version_count();
    return count;
  }

  void Unpin(SequenceNumber seq) { pins.Unpin(seq); }
};

}  // namespace internal

namespace {

using internal::MemEngineState;

absl::Status VerifyValue(env::Cf cf, std::string_view key,
                         const Version& version) {
  if (VersionedTable::ValueChecksum(version.value) == version.checksum) {
    return absl::OkStatus();
  }
  std::string message = "checksum mismatch in cf ";
  message.append(env::CfName(cf));
  message.append(" at key ");
  message.append(base::EscapeBytes(key));
  return absl::DataLossError(message);
}

// Holds a pinned sequence for as long as a snapshot or one of its iterators
// lives.
class SnapshotPin {
 public:
  SnapshotPin(std::shared_ptr<MemEngineState> state, SequenceNumber seq)
      : state_(std::move(state)), seq_(seq) {
    state_->pins.Pin(seq_);
  }
  ~SnapshotPin() { state_->Unpin(seq_); }
  SnapshotPin(const SnapshotPin&) = delete;
  SnapshotPin& operator=(const SnapshotPin&) = delete;

  const MemEngineState& state() const { return *state_; }
  SequenceNumber seq() const { return seq_; }

 private:
  std::shared_ptr<MemEngineState> state_;
  SequenceNumber seq_;
};

class MemIterator final : public env::Iterator {
 public:
  MemIterator(std::shared_ptr<const SnapshotPin> pin, env::Cf cf,
              const env::IteratorOptions& options)
      : pin_(std::move(pin)),
        cf_(cf),
        table_(pin_->state().table(cf)),
        options_(options),
        pos_(table_.map().end()) {}

  bool Valid() const override { return valid_; }

  void SeekToFirst() override { Seek(options_.lower_bound.value_or("")); }

  void SeekToLast() override {
    SetBackward(options_.upper_bound
                    ? table_.LastVisibleBefore(
                          table_.KeyLowerBound(*options_.upper_bound), seq())
                    : table_.LastVisibleBefore(table_.map().end(), seq()));
  }

  void Seek(std::string_view target) override {
    if (options_.lower_bound && target < *options_.lower_bound) {
      target = *options_.lower_bound;
    }
    SetForward(table_.FirstVisibleFrom(table_.KeyLowerBound(target), seq()));
  }

  void SeekForPrev(std::string_view target) override {
    if (options_.upper_bound && target >= *options_.upper_bound) {
      SeekToLast();
      return;
    }
    SetBackward(table_.LastVisibleBefore(table_.KeyUpperBound(target), seq()));
  }

  void Next() override {
    CHECK(valid_) << "Next() on an invalid iterator";
    SetForward(table_.FirstVisibleFrom(table_.SkipKey(pos_), seq()));
  }

  void Prev() override {
    CHECK(valid_) << "Prev() on an invalid iterator";
    SetBackward(table_.LastVisibleBefore(table_.KeyLowerBound(key()), seq()));
  }

  std::string_view key() const override {
    CHECK(valid_);
    return pos_->first.user_key;
  }
  std::string_view value() const override {
    CHECK(valid_);
    return pos_->second.value;
  }
  absl::Status status() const override { return status_; }

 private:
  using Position = VersionedTable::Map::const_iterator;

  SequenceNumber seq() const { return pin_->seq(); }

  void SetForward(Position pos) {
    const bool in_bounds =
        pos != table_.map().end() &&
        (!options_.upper_bound ||
         std::string_view(pos->first.user_key) < *options_.upper_bound);
    Land(pos, in_bounds);
  }

  void SetBackward(Position pos) {
    const bool in_bounds =
        pos != table_.map().end() &&
        (!options_.lower_bound ||
         std::string_view(pos->first.user_key) >= *options_.lower_bound);
    Land(pos, in_bounds);
  }

  void Land(Position pos, bool in_bounds) {
    pos_ = pos;
    valid_ = in_bounds;
    status_ = absl::OkStatus();
    if (!valid_) return;
    status_ = VerifyValue(cf_, pos->first.user_key, pos->second);
    valid_ = status_.ok();
  }

  // The pin keeps the entry under pos_ alive: it is visible at seq().
  std::shared_ptr<const SnapshotPin> pin_;
  env::Cf cf_;
  const VersionedTable& table_;
  env::IteratorOptions options_;
  Position pos_;
  bool valid_ = false;
  absl::Status status_;
};

class MemSnapshot final : public env::Snapshot {
 public:
  explicit MemSnapshot(std::shared_ptr<const SnapshotPin> pin)
      : pin_(std::move(pin)) {}

  absl::StatusOr<std::optional<std::string>> Get(
      env::Cf cf, std::string_view key) const override {
    const Version* version = pin_->state().table(cf).Get(key, pin_->seq());
    if (version == nullptr) return std::nullopt;
    if (absl::Status s = VerifyValue(cf, key, *version); !s.ok()) return s;
    return version->value;
  }

  std::unique_ptr<env::Iterator> NewIterator(
      env::Cf cf, const env::IteratorOptions& options) const override {
    return std::make_unique<MemIterator>(pin_, cf, options);
  }

 private:
  std::shared_ptr<const SnapshotPin> pin_;
};

// Damages a stored value so that its checksum no longer matches.
void Damage(Version& version) {
  CHECK(!version.tombstone);
  if (version.value.empty()) {
    version.value.push_back('\x5a');
  } else {
    version.value[0] = static_cast<char>(version.value[0] ^ 0x01);
  }
  CHECK_NE(VersionedTable::ValueChecksum(version.value), version.checksum);
}

}  // namespace

MemEngine::MemEngine(const MemEngineOptions& options)
    : fault_injector_(options.fault_injector),
      state_(std::make_shared<MemEngineState>()) {
  state_->pins.Pin(synced_seq_);
}

MemEngine::~MemEngine() { state_->Unpin(synced_seq_); }

void MemEngine::Apply(const env::WriteBatch& batch) {
  MemEngineState& state = *state_;
  for (const env::WriteBatch::Op& op : batch.ops()) {
    const SequenceNumber seq = ++state.last_seq;
    VersionedTable& table = state.table(op.cf);
    switch (op.kind) {
      case env::WriteBatch::OpKind::kPut:
        table.Put(op.key, op.value, seq, state.pins);
        break;
      case env::WriteBatch::OpKind::kDelete:
        table.Delete(op.key, seq, state.pins);
        break;
      case env::WriteBatch::OpKind::kDeleteRange:
        table.DeleteRange(op.key, op.value, seq, state.pins);
        break;
    }
    table.CollectStep(state.pins, internal::kCollectKeysPerOpWritten);
    state.tables[seq % state.tables.size()].CollectStep(
        state.pins, internal::kCollectKeysPerOpOther);
  }
}

void MemEngine::MarkSynced() {
  const SequenceNumber previous = synced_seq_;
  synced_seq_ = state_->last_seq;
  state_->pins.Pin(synced_seq_);
  state_->Unpin(previous);
  unsynced_.clear();
}

absl::Status MemEngine::SyncInternal() {
  if (fault_injector_ != nullptr) {
    if (absl::Status s = fault_injector_->BeforeSync(); !s.ok()) return s;
  }
  MarkSynced();
  return absl::OkStatus();
}

absl::Status MemEngine::Write(const env::WriteBatch& batch,
                              const env::WriteOptions& options) {
  if (fault_injector_ != nullptr) {
    if (absl::Status s = fault_injector_->BeforeWrite(batch); !s.ok()) {
      return s;
    }
  }
  Apply(batch);
  if (options.sync) {
    absl::Status s = SyncInternal();
    if (s.ok()) return s;
    unsynced_.push_back(batch);
    return s;
  }
  unsynced_.push_back(batch);
  return absl::OkStatus();
}

absl::Status MemEngine::Sync() { return SyncInternal(); }

absl::StatusOr<std::optional<std::string>> MemEngine::Get(
    env::Cf cf, std::string_view key) {
  const Version* version = state_->table(cf).Get(key, kMaxSequenceNumber);
  if (version == nullptr) return std::nullopt;
  if (absl::Status s = VerifyValue(cf, key, *version); !s.ok()) return s;
  return version->value;
}

std::shared_ptr<const env::Snapshot> MemEngine::NewSnapshot() {
  return std::make_shared<MemSnapshot>(
      std::make_shared<SnapshotPin>(state_, state_->last_seq));
}

absl::StatusOr<env::RangeSize> MemEngine::ApproximateSize(
    env::Cf cf, std::string_view begin_key, std::string_view end_key) {
  CHECK(end_key.empty() || begin_key <= end_key)
      << "ApproximateSize bounds reversed";
  const VersionedTable& table = state_->table(cf);
  env::RangeSize size;
  for (auto it = table.FirstVisibleFrom(table.KeyLowerBound(begin_key),
                                        kMaxSequenceNumber);
       it != table.map().end() &&
       (end_key.empty() || std::string_view(it->first.user_key) < end_key);
       it = table.FirstVisibleFrom(table.SkipKey(it), kMaxSequenceNumber)) {
    size.bytes += it->first.user_key.size() + it->second.value.size();
    ++size.keys;
  }
  return size;
}

namespace {

// A fresh state holding exactly what `old` shows at `seq`, each surviving
// version copied with its stored checksum (corruption survives a crash).
std::shared_ptr<MemEngineState> StateAt(const MemEngineState& old,
                                        SequenceNumber seq) {
  auto fresh = std::make_shared<MemEngineState>();
  constexpr SequenceNumber kRebuiltSeq = 1;
  for (env::Cf cf : env::kAllCfs) {
    const VersionedTable& source = old.table(cf);
    VersionedTable& target = fresh->table(cf);
    for (auto it = source.FirstVisibleFrom(source.map().begin(), seq);
         it != source.map().end();
         it = source.FirstVisibleFrom(source.KeyUpperBound(it->first.user_key),
                                      seq)) {
      target.Insert(it->first.user_key, it->second, kRebuiltSeq);
    }
  }
  fresh->last_seq = kRebuiltSeq;
  return fresh;
}

}  // namespace

CrashReport MemEngine::SimulateCrash(base::Prng& prng) {
  CrashReport report;
  report.unsynced_batches = unsynced_.size();
  report.surviving_batches = prng.Uniform(unsynced_.size() + 1);

  SequenceNumber durable_seq = synced_seq_;
  if (MUTANT(ENGINE_CRASH_LOSES_SYNCED_TAIL)) {
    // Known bug: rebuilds from one op before the synced point, so the last
    // op of the last synced batch is lost.
    durable_seq = synced_seq_ > 0 ? synced_seq_ - 1 : 0;
  }
  std::shared_ptr<MemEngineState> fresh = StateAt(*state_, durable_seq);
  // The old state lives on only through outstanding snapshots.
  state_->Unpin(synced_seq_);
  state_ = std::move(fresh);
  synced_seq_ = state_->last_seq;
  state_->pins.Pin(synced_seq_);

  // Whole batches only: a batch is one WAL record, atomic across a crash.
  for (size_t i = 0; i < report.surviving_batches; ++i) Apply(unsynced_[i]);
  if (MUTANT(ENGINE_CRASH_TEARS_BATCH)) {
    // Known bug: the first lost batch keeps its first op (a torn WAL record
    // replayed as if it were whole up to the tear).
    if (report.surviving_batches < unsynced_.size()) {
      const env::WriteBatch::Op& op =
          unsynced_[report.surviving_batches].ops()[0];
      env::WriteBatch first_op;
      if (op.kind == env::WriteBatch::OpKind::kPut) {
        first_op.Put(op.cf, op.key, op.value);
      } else if (op.kind == env::WriteBatch::OpKind::kDelete) {
        first_op.Delete(op.cf, op.key);
      } else {
        first_op.DeleteRange(op.cf, op.key, op.value);
      }
      Apply(first_op);
    }
  }
  // What survived is on disk now: the restarted engine has nothing unsynced.
  MarkSynced();
  return report;
}

bool MemEngine::CorruptValue(env::Cf cf, std::string_view key) {
  VersionedTable::Map& map = state_->table(cf).mutable_map();
  auto it = map.lower_bound(LookupKey{key, kMaxSequenceNumber});
  if (it == map.end() || it->first.user_key != key || it->second.tombstone) {
    return false;
  }
  Damage(it->second);
  return true;
}

bool MemEngine::CorruptRandomValue(base::Prng& prng) {
  size_t values = 0;
  for (const VersionedTable& table : state_->tables) {
    for (const auto& [key, version] : table.map()) {
      values += version.tombstone ? 0 : 1;
    }
  }
  if (values == 0) return false;
  size_t chosen = prng.Uniform(values);
  for (VersionedTable& table : state_->tables) {
    for (auto& [key, version] : table.mutable_map()) {
      if (version.tombstone) continue;
      if (chosen-- == 0) {
        Damage(version);
        return true;
      }
    }
  }
  UNREACHABLE();
  return false;
}

size_t MemEngine::VersionCountForTest() const { return state_->VersionCount(); }

}  // namespace core::engine
