#include "pd/core/gc/safe_point.h"

#include <limits>

#include "core/base/check.h"

namespace pd::gc {

namespace base = core::base;

std::string SafePointRegress::ToString() const {
  return "GC safe point cannot go below " + std::to_string(current.value());
}

std::string ServiceSafePointTooOld::ToString() const {
  return "service safe point cannot be below the GC safe point " +
         std::to_string(gc_safe_point.value());
}

SafePointManager SafePointManager::Restore(
    TimeStamp gc_safe_point, std::map<std::string, ServiceSafePoint> services) {
  for (const auto& [id, service] : services) {
    CHECK(!id.empty()) << "a service safe point without a service id";
    CHECK_EQ(id, service.service_id) << "service safe point filed under "
                                     << "another id";
  }
  SafePointManager manager;
  manager.gc_safe_point_ = gc_safe_point;
  manager.services_ = std::move(services);
  return manager;
}

void SafePointManager::DropExpired(int64_t now_ms) {
  for (auto it = services_.begin(); it != services_.end();) {
    it =
        it->second.expire_at_ms <= now_ms ? services_.erase(it) : std::next(it);
  }
}

std::map<std::string, ServiceSafePoint> SafePointManager::LiveServices(
    int64_t now_ms) const {
  std::map<std::string, ServiceSafePoint> live;
  for (const auto& [id, service] : services_) {
    if (service.expire_at_ms > now_ms) live.emplace(id, service);
  }
  return live;
}

std::optional<ServiceSafePoint> SafePointManager::MinServiceSafePoint(
    int64_t now_ms) const {
  std::optional<ServiceSafePoint> min;
  for (const auto& [id, service] : services_) {
    if (service.expire_at_ms <= now_ms) continue;
    if (!min || service.safe_point < min->safe_point) min = service;
  }
  return min;
}

base::Result<GcUpdate, GcError> SafePointManager::UpdateGcSafePoint(
    TimeStamp target, int64_t now_ms) {
  DropExpired(now_ms);
  if (target < gc_safe_point_) {
    return base::MakeErr(GcError(SafePointRegress{gc_safe_point_}));
  }
  GcUpdate update;
  TimeStamp next = target;
  if (auto min = MinServiceSafePoint(now_ms); min && min->safe_point < next) {
    next = min->safe_point;
    update.blocked_by_service = min->service_id;
  }
  // Service safe points are never below the GC safe point, so clamping can
  // not move it backwards.
  CHECK_GE(next, gc_safe_point_);
  gc_safe_point_ = next;
  update.gc_safe_point = gc_safe_point_;
  return update;
}

base::Result<TimeStamp, ServiceError> SafePointManager::UpdateServiceSafePoint(
    const std::string& service_id, TimeStamp safe_point, int64_t ttl_seconds,
    int64_t now_ms) {
  if (service_id.empty()) {
    return base::MakeErr(
        ServiceError(InvalidServiceRequest{"empty service id"}));
  }
  DropExpired(now_ms);
  if (ttl_seconds <= 0) {
    services_.erase(service_id);
  } else {
    if (safe_point < gc_safe_point_) {
      return base::MakeErr(
          ServiceError(ServiceSafePointTooOld{gc_safe_point_}));
    }
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    const int64_t expire_at_ms = ttl_seconds >= (kMax - now_ms) / 1000
                                     ? kMax
                                     : now_ms + ttl_seconds * 1000;
    services_[service_id] =
        ServiceSafePoint{service_id, safe_point, expire_at_ms};
  }
  auto min = MinServiceSafePoint(now_ms);
  return min ? min->safe_point : gc_safe_point_;
}

}  // namespace pd::gc
