// Template definitions for test_util.h.
#ifndef CORE_TXN_ACTIONS_TEST_UTIL_INL_H_
#define CORE_TXN_ACTIONS_TEST_UTIL_INL_H_

#include <gtest/gtest.h>

#include <variant>

namespace core::txn::actions::testing {

template <typename T>
T ErrorAs(const mvcc::Error& error, Loc loc) {
  if (const T* typed = std::get_if<T>(&error)) return *typed;
  ADD_FAILURE_AT(loc.file_name(), loc.line())
      << "unexpected error: " << mvcc::ErrorToString(error);
  return T{};
}

}  // namespace core::txn::actions::testing

#endif  // CORE_TXN_ACTIONS_TEST_UTIL_INL_H_
