// Result<T, E>: the outcome of a protocol step that a caller must branch on
// (KeyIsLocked, WriteConflict, NotLeader, EpochNotMatch, ...). E is usually a
// std::variant of small structs that carry the data the caller reacts to.
//
// Environment failures use absl::Status instead, and invariant breaks CHECK.
// A Result must be inspected: dropping one is a compile error (nodiscard);
// write `(void)Ignore(result)` where discarding is really intended.
#ifndef CORE_BASE_RESULT_H_
#define CORE_BASE_RESULT_H_

#include <utility>
#include <variant>

#include "core/base/check.h"

namespace core::base {

// Wraps an error value so that Result<T, E> can be built from it even when T
// and E are the same type.
template <typename E>
struct Err {
  E error;
};

template <typename E>
Err<std::decay_t<E>> MakeErr(E&& error) {
  return Err<std::decay_t<E>>{std::forward<E>(error)};
}

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Err<E> err) : state_(std::in_place_index<1>, std::move(err.error)) {}

  bool ok() const { return state_.index() == 0; }

  const T& value() const& {
    CHECK(ok()) << "Result::value() on an error";
    return std::get<0>(state_);
  }
  T& value() & {
    CHECK(ok()) << "Result::value() on an error";
    return std::get<0>(state_);
  }
  T&& value() && {
    CHECK(ok()) << "Result::value() on an error";
    return std::get<0>(std::move(state_));
  }

  const E& error() const& {
    CHECK(!ok()) << "Result::error() on a value";
    return std::get<1>(state_);
  }
  E&& error() && {
    CHECK(!ok()) << "Result::error() on a value";
    return std::get<1>(std::move(state_));
  }

  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

// Result of an action that yields no value on success.
struct Unit {
  bool operator==(const Unit&) const = default;
};

template <typename E>
using Outcome = Result<Unit, E>;

template <typename T, typename E>
bool Ignore(const Result<T, E>& result) {
  return result.ok();
}

}  // namespace core::base

#endif  // CORE_BASE_RESULT_H_
