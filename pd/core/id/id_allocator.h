// Monotonic ID allocator (region, peer and store ids) persisted in windows,
// with the same contract as the TSO: the end of a window is durable before
// any id inside it is handed out, and a new leader starts above the persisted
// end, so ids are never reused across failover.
//
// Driver contract: BecomeLeader(persisted_end) on winning leadership; after
// every call drain TakePersistRequest(), store request.end durably (keeping
// the maximum), and report OnPersisted / OnPersistFailed.
// Ref: PD pkg/id/id.go (DefaultAllocStep = 1000); reference/tikv.md §4.3.
#ifndef PD_CORE_ID_ID_ALLOCATOR_H_
#define PD_CORE_ID_ID_ALLOCATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/base/result.h"

namespace pd::id {

struct IdAllocatorOptions {
  uint64_t step = 1000;
  // A new window is requested when fewer ids than this remain.
  uint64_t refill_below = 500;
};

struct IdPersistRequest {
  uint64_t end = 0;
  uint64_t leader_epoch = 0;
  bool operator==(const IdPersistRequest&) const = default;
};

struct NotLeader {
  std::string ToString() const { return "ID allocator: not leader"; }
};
// Every id of the durable window is used; retry once the next is persisted.
struct WindowExhausted {
  std::string ToString() const {
    return "ID allocator: window not persisted yet";
  }
};

using IdError = std::variant<NotLeader, WindowExhausted>;

class IdAllocator {
 public:
  explicit IdAllocator(const IdAllocatorOptions& options);

  // Ids up to `persisted_end` may have been handed out by earlier leaders.
  void BecomeLeader(uint64_t persisted_end);
  void StepDown();

  std::optional<IdPersistRequest> TakePersistRequest();
  void OnPersisted(const IdPersistRequest& request);
  void OnPersistFailed(const IdPersistRequest& request);

  // The next id; ids start at persisted_end + 1 and increase by one.
  core::base::Result<uint64_t, IdError> Alloc();

 private:
  void MaybeRequestWindow();

  IdAllocatorOptions options_;
  bool is_leader_ = false;
  uint64_t leader_epoch_ = 0;
  // Invariant: last_ <= durable_end_ while leading.
  uint64_t last_ = 0;         // last id handed out (or the start base)
  uint64_t durable_end_ = 0;  // ids up to this are covered by storage
  uint64_t requested_end_ = 0;
  bool request_taken_ = false;
};

}  // namespace pd::id

#endif  // PD_CORE_ID_ID_ALLOCATOR_H_
