#include "client/txnkv/oracle.h"

#include "core/base/status_macros.h"

namespace client::txnkv {

int64_t UntilExpiredAt(uint64_t now_physical_ms, uint64_t lock_ts,
                       uint64_t ttl_ms) {
  const uint64_t lock_ms = core::base::TimeStamp(lock_ts).physical_ms();
  return static_cast<int64_t>(lock_ms + ttl_ms) -
         static_cast<int64_t>(now_physical_ms);
}

absl::StatusOr<uint64_t> PdOracle::GetTimestamp() {
  const core::base::Instant asked = clock_.NowMonotonic();
  ASSIGN_OR_RETURN(core::base::TimeStamp ts,
                   pd_.GetTimestamp(asked + timeout_));
  if (ts.physical_ms() >= last_physical_ms_) {
    last_physical_ms_ = ts.physical_ms();
    last_at_ = asked;
  }
  return ts.value();
}

int64_t PdOracle::UntilExpiredMs(uint64_t lock_ts, uint64_t ttl_ms) {
  const core::base::Duration since = clock_.NowMonotonic() - last_at_;
  const uint64_t now_ms =
      last_physical_ms_ + static_cast<uint64_t>(since.milliseconds());
  return UntilExpiredAt(now_ms, lock_ts, ttl_ms);
}

}  // namespace client::txnkv
