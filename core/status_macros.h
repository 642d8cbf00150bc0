#ifndef TAILOR_CORE_STATUS_MACROS_H_
#define TAILOR_CORE_STATUS_MACROS_H_

// Early-return helpers for absl::Status and absl::StatusOr<T> (Abseil
// 20220623 has no ABSL_RETURN_IF_ERROR). The only copy of these macros.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) once; returns it from the enclosing
// function when it is not OK.
#define TAILOR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    const ::absl::Status tailor_status_ = (expr);    \
    if (!tailor_status_.ok()) return tailor_status_; \
  } while (false)

#define TAILOR_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define TAILOR_STATUS_MACROS_CONCAT_(x, y) \
  TAILOR_STATUS_MACROS_CONCAT_INNER_(x, y)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define TAILOR_ASSIGN_OR_RETURN(lhs, rexpr) \
  TAILOR_ASSIGN_OR_RETURN_IMPL_(            \
      TAILOR_STATUS_MACROS_CONCAT_(tailor_statusor_, __LINE__), lhs, rexpr)

#define TAILOR_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // TAILOR_CORE_STATUS_MACROS_H_
