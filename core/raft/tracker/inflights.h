// Flow control for one follower in StateReplicate: the MsgApps sent but not
// yet acknowledged, bounded by count and by payload bytes.
// Ref: Raft thesis §10.2.1 (pipelining), etcd/raft tracker/inflights.go.
#ifndef CORE_RAFT_TRACKER_INFLIGHTS_H_
#define CORE_RAFT_TRACKER_INFLIGHTS_H_

#include <cstdint>
#include <vector>

#include "core/raft/types.h"

namespace core::raft::tracker {

class Inflights {
 public:
  // max_count > 0; max_bytes == 0 means no byte limit.
  Inflights(size_t max_count, uint64_t max_bytes);

  // Records a MsgApp whose last entry is `index` carrying `bytes` of payload.
  // Invariant: indexes are added in increasing order and only when !Full().
  void Add(Index index, uint64_t bytes);
  // Frees every in-flight message whose last index is <= `index`.
  void FreeLE(Index index);
  void Reset();

  bool Full() const;
  size_t Count() const { return entries_.size(); }
  uint64_t Bytes() const { return bytes_; }
  size_t max_count() const { return max_count_; }

  bool operator==(const Inflights&) const = default;

 private:
  struct Inflight {
    Index index;
    uint64_t bytes;
    bool operator==(const Inflight&) const = default;
  };
  size_t max_count_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  // Oldest first; small (max_count), so erasing at the front is cheap and
  // copies (model checking copies whole nodes) stay allocation-light.
  std::vector<Inflight> entries_;
};

}  // namespace core::raft::tracker

#endif  // CORE_RAFT_TRACKER_INFLIGHTS_H_
