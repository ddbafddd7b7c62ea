// Error propagation for Result<T> (include/openfle/status.h), in the abseil RETURN_IF_ERROR style.
#ifndef OPENFLE_COMMON_TRY_H_
#define OPENFLE_COMMON_TRY_H_

#include <utility>

#include "openfle/status.h"

#define OPENFLE_CONCAT_INNER_(a, b) a##b
#define OPENFLE_CONCAT_(a, b) OPENFLE_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Result or Status) from the enclosing function.
#define OPENFLE_RETURN_IF_ERROR(expr)                                       \
  do {                                                                      \
    auto&& openfle_status_ = (expr);                                        \
    if (!openfle_status_) return ::openfle::fail(std::move(openfle_status_).error()); \
  } while (false)

// `OPENFLE_ASSIGN_OR_RETURN(auto x, make_x());` declares x from the value of a Result, or returns
// its error.
#define OPENFLE_ASSIGN_OR_RETURN(lhs, expr) \
  OPENFLE_ASSIGN_OR_RETURN_IMPL_(OPENFLE_CONCAT_(openfle_result_, __LINE__), lhs, expr)
#define OPENFLE_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr)            \
  auto result = (expr);                                              \
  if (!result) return ::openfle::fail(std::move(result).error());    \
  lhs = std::move(*result)

#endif  // OPENFLE_COMMON_TRY_H_
