// A reference model of env::Engine for property tests: one std::map per
// column family, batches applied op by op, and an iterator model over a
// sorted copy. Test-only; shared by the MemEngine property tests, the crash
// tests, the engine conformance suite and the MemEngine/RocksEngine
// differential test.
#ifndef CORE_ENGINE_ENGINE_MODEL_H_
#define CORE_ENGINE_ENGINE_MODEL_H_

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env/engine.h"

namespace core::engine::testing {

class EngineModel {
 public:
  using Table = std::map<std::string, std::string, std::less<>>;

  void Apply(const env::WriteBatch& batch);
  std::optional<std::string> Get(env::Cf cf, std::string_view key) const;
  const Table& table(env::Cf cf) const {
    return tables_[static_cast<size_t>(cf)];
  }
  bool operator==(const EngineModel& other) const = default;

 private:
  std::array<Table, env::kAllCfs.size()> tables_;
};

// Moves an iterator can make; the model and the engine get the same moves.
enum class IteratorMove : uint8_t {
  kSeekToFirst,
  kSeekToLast,
  kSeek,
  kSeekForPrev,
  kNext,
  kPrev,
};

// Mirrors env::Iterator over one table restricted to the bounds.
class IteratorModel {
 public:
  IteratorModel(const EngineModel::Table& table,
                const env::IteratorOptions& options);
  // `target` is used by kSeek and kSeekForPrev. kNext/kPrev need Valid().
  void Move(IteratorMove move, std::string_view target);
  bool Valid() const { return position_ >= 0; }
  const std::pair<std::string, std::string>& entry() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  int position_ = -1;
};

// Applies `move` to a real iterator.
void MoveIterator(env::Iterator& it, IteratorMove move,
                  std::string_view target);

// Every (key, value) of `cf` in `snapshot`, forward or reverse; the status is
// the iterator's final status.
struct ScanResult {
  std::vector<std::pair<std::string, std::string>> entries;
  absl::Status status;
};
ScanResult ScanAll(const env::Snapshot& snapshot, env::Cf cf,
                   const env::IteratorOptions& options, bool reverse);

// Everything the latest state of `engine` holds, as a model. CHECK-fails on a
// read error (the callers' engines hold no corruption).
EngineModel Capture(env::Engine& engine);

// For crash checks: states[k] is the model after the first k batches since
// the last durable point, and the first `synced` of them were acknowledged
// as durable. The smallest k >= synced with states[k] == after, i.e. `after`
// is the state after a prefix of whole batches that keeps every synced one;
// nullopt when it is no such state (a batch lost, torn or reordered).
std::optional<size_t> WholeBatchPrefix(const EngineModel& after,
                                       const std::vector<EngineModel>& states,
                                       size_t synced);

}  // namespace core::engine::testing

#endif  // CORE_ENGINE_ENGINE_MODEL_H_
