// Oracle: timestamps for transactions (client-go oracle.Oracle over PD's
// TSO) and the oracle's view of whether a lock's TTL has run out.
//
//   * GetTimestamp: a TSO timestamp from PD (start_ts, commit_ts,
//     for_update_ts, the resolver's current_ts).
//   * UntilExpiredMs(lock_ts, ttl_ms): physical(lock_ts) + ttl_ms - now, in
//     ms (<= 0: expired), where now is the physical part of the last
//     timestamp this oracle got plus the local monotonic time since it
//     came (client-go compares against local wall time; the monotonic
//     clock plus a TSO anchor is what core/env offers without ambient
//     wall-clock reads).
//
// Thread-affinity: fibres of one executor.
#ifndef CLIENT_TXNKV_ORACLE_H_
#define CLIENT_TXNKV_ORACLE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "core/base/timestamp.h"
#include "core/env/clock.h"

namespace client::txnkv {

class Oracle {
 public:
  virtual ~Oracle() = default;
  virtual absl::StatusOr<uint64_t> GetTimestamp() = 0;
  virtual int64_t UntilExpiredMs(uint64_t lock_ts, uint64_t ttl_ms) = 0;
};

// Milliseconds from `now_ts`'s physical part to the end of a lock of
// `lock_ts` with `ttl_ms`.
int64_t UntilExpiredAt(uint64_t now_physical_ms, uint64_t lock_ts,
                       uint64_t ttl_ms);

class PdOracle final : public Oracle {
 public:
  // `timeout`: one GetTimestamp's deadline (client-go's TsoMaxBackoff is
  // 15 s).
  PdOracle(pd::PdClient& pd, core::env::Clock& clock,
           core::base::Duration timeout = core::base::Duration::Seconds(15))
      : pd_(pd), clock_(clock), timeout_(timeout) {}
  absl::StatusOr<uint64_t> GetTimestamp() override;
  int64_t UntilExpiredMs(uint64_t lock_ts, uint64_t ttl_ms) override;

 private:
  pd::PdClient& pd_;
  core::env::Clock& clock_;
  core::base::Duration timeout_;
  uint64_t last_physical_ms_ = 0;
  core::base::Instant last_at_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_ORACLE_H_
