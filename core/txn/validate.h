// Request validation shared by reads and actions. Bad input from a client is
// never a crash: it becomes InvalidRequest with a message saying what is
// wrong.
#ifndef CORE_TXN_VALIDATE_H_
#define CORE_TXN_VALIDATE_H_

#include <cstddef>
#include <optional>

#include "core/base/timestamp.h"
#include "core/mvcc/errors.h"

namespace core::txn {

// tikv src/storage/config.rs: storage.max-key-size.
inline constexpr size_t kMaxKeySizeBytes = 8 * 1024;
// tikv raftstore config: raft-entry-max-size; a single value must fit in one
// Raft entry.
inline constexpr size_t kMaxValueSizeBytes = 8 * 1024 * 1024;

std::optional<mvcc::InvalidRequest> ValidateKey(mvcc::BytesView raw_key);
std::optional<mvcc::InvalidRequest> ValidateValue(mvcc::BytesView value);
std::optional<mvcc::InvalidRequest> ValidateStartTs(base::TimeStamp start_ts);
std::optional<mvcc::InvalidRequest> ValidateCommitTs(base::TimeStamp start_ts,
                                                     base::TimeStamp commit_ts);

}  // namespace core::txn

#endif  // CORE_TXN_VALIDATE_H_
