// GC safe point and service safe points (pure; `now_ms` is passed in).
//
// Invariants (spec/pd/SafePoint.tla):
//  - SafePointMonotonic: the GC safe point never decreases.
//  - GcSafePointBounded: the GC safe point never exceeds the minimum live
//    service safe point; a service safe point can therefore never be set
//    below the GC safe point (data it needs may already be gone).
// Service safe points expire after their TTL.
// Ref: PD pkg/gc (UpdateGCSafePoint, UpdateServiceGCSafePoint);
// reference/tikv.md §4.7, §2.7.
#ifndef PD_CORE_GC_SAFE_POINT_H_
#define PD_CORE_GC_SAFE_POINT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/base/result.h"
#include "core/base/timestamp.h"

namespace pd::gc {

using core::base::TimeStamp;

struct ServiceSafePoint {
  std::string service_id;
  TimeStamp safe_point;
  int64_t expire_at_ms = 0;  // INT64_MAX: never
};

// The requested GC safe point is below the current one; nothing changed.
struct SafePointRegress {
  TimeStamp current;
  std::string ToString() const;
};
// A service asked for a safe point below the GC safe point.
struct ServiceSafePointTooOld {
  TimeStamp gc_safe_point;
  std::string ToString() const;
};
struct InvalidServiceRequest {
  std::string reason;
  std::string ToString() const {
    return "invalid service safe point request: " + reason;
  }
};

struct GcUpdate {
  TimeStamp gc_safe_point;  // the value now in force
  // Set when the request was lowered to respect this service's safe point.
  std::optional<std::string> blocked_by_service;
};

using GcError = std::variant<SafePointRegress>;
using ServiceError =
    std::variant<ServiceSafePointTooOld, InvalidServiceRequest>;

class SafePointManager {
 public:
  SafePointManager() = default;
  // The manager as a driver persisted it (gc_safe_point() and services()),
  // for a restart or a new PD leader. Expired services may be among them;
  // they are dropped at the next update, as they would have been. CHECKs
  // that every key is its service's non-empty id.
  static SafePointManager Restore(
      TimeStamp gc_safe_point,
      std::map<std::string, ServiceSafePoint> services);

  TimeStamp gc_safe_point() const { return gc_safe_point_; }
  // Every service safe point held, expired or not, by service id.
  const std::map<std::string, ServiceSafePoint>& services() const {
    return services_;
  }

  // Advances the GC safe point towards `target`, clamped to the minimum live
  // service safe point. Equal to the current value is a no-op success.
  core::base::Result<GcUpdate, GcError> UpdateGcSafePoint(TimeStamp target,
                                                          int64_t now_ms);

  // Sets, refreshes or (ttl_seconds <= 0) removes a service safe point.
  // Returns the minimum live service safe point after the update (or the GC
  // safe point when no service remains), as PD's UpdateServiceGCSafePoint.
  core::base::Result<TimeStamp, ServiceError> UpdateServiceSafePoint(
      const std::string& service_id, TimeStamp safe_point, int64_t ttl_seconds,
      int64_t now_ms);

  // Live service safe points, by service id.
  std::map<std::string, ServiceSafePoint> LiveServices(int64_t now_ms) const;
  // The minimum live service safe point, if any service is live.
  std::optional<ServiceSafePoint> MinServiceSafePoint(int64_t now_ms) const;

 private:
  void DropExpired(int64_t now_ms);

  TimeStamp gc_safe_point_;
  std::map<std::string, ServiceSafePoint> services_;
};

}  // namespace pd::gc

#endif  // PD_CORE_GC_SAFE_POINT_H_
