// Propagation helpers for absl::Status / absl::StatusOr, the type used for
// environment failures (EIO, ENOSPC, connection reset, timeouts).
#ifndef CORE_BASE_STATUS_MACROS_H_
#define CORE_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CORE_STATUS_CONCAT_INNER_(a, b) a##b
#define CORE_STATUS_CONCAT_(a, b) CORE_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status core_status_ = (expr);        \
    if (!core_status_.ok()) return core_status_; \
  } while (false)

// ASSIGN_OR_RETURN(auto value, FunctionReturningStatusOr());
#define ASSIGN_OR_RETURN(lhs, expr)                                          \
  CORE_ASSIGN_OR_RETURN_IMPL_(CORE_STATUS_CONCAT_(core_statusor_, __LINE__), \
                              lhs, expr)

#define CORE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#endif  // CORE_BASE_STATUS_MACROS_H_
