// IdSource: where a store gets fresh region and peer ids (PD's AllocID /
// AskBatchSplit behind it; a counter in tests). Shared by the split
// checker and the store's other id users.
//
// Thread-affinity: the store's executor; AllocId may park the calling
// fibre (a PD call), so it is never called from a fibre that must not.
#ifndef STORE_RAFTSTORE_ID_SOURCE_H_
#define STORE_RAFTSTORE_ID_SOURCE_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace store::raftstore {

class IdSource {
 public:
  virtual ~IdSource() = default;
  // A cluster-unique id, never handed out before.
  virtual absl::StatusOr<uint64_t> AllocId() = 0;
};

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_ID_SOURCE_H_
