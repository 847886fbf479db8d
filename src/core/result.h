// Result<T>: either a value or a non-OK Status. Used for every fallible call that produces a
// value. Accessing value() on an error is a programmer error (asserted), never a user-input path.
//
// Thread-safety: a value type, like Status.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "core/status.h"

namespace memoryd {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status carries no value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace memoryd

#define MEMORYD_CONCAT_INNER(a, b) a##b
#define MEMORYD_CONCAT(a, b) MEMORYD_CONCAT_INNER(a, b)

// Evaluates a Result-yielding expression; on error returns its Status, else moves the value into
// `lhs` (which may be a declaration such as `auto x`).
#define MEMORYD_ASSIGN_OR_RETURN(lhs, expr) \
  MEMORYD_ASSIGN_OR_RETURN_IMPL(MEMORYD_CONCAT(_res_, __LINE__), lhs, expr)
#define MEMORYD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
