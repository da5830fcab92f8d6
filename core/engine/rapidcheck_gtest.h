// RC_GTEST_PROP_N: RC_GTEST_PROP with a fixed number of cases and a maximum
// generation size, so that heavy model properties stay fast under ASan. The
// seed and the other parameters still come from RC_PARAMS.
#ifndef CORE_ENGINE_RAPIDCHECK_GTEST_H_
#define CORE_ENGINE_RAPIDCHECK_GTEST_H_

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <sstream>
#include <string>

namespace core::engine::testing {

template <typename Testable>
void CheckGTestWithParams(Testable&& testable, int max_success, int max_size) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = max_success;
  params.maxSize = max_size;
  const auto result = rc::detail::checkTestable(
      std::forward<Testable>(testable), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str();
  }
}

}  // namespace core::engine::testing

#define RC_GTEST_PROP_N(TestCase, Name, MaxSuccess, MaxSize, ArgList)   \
  void rapidCheck_propImpl_##TestCase##_##Name ArgList;                 \
  TEST(TestCase, Name) {                                                \
    ::core::engine::testing::CheckGTestWithParams(                      \
        &rapidCheck_propImpl_##TestCase##_##Name, MaxSuccess, MaxSize); \
  }                                                                     \
  void rapidCheck_propImpl_##TestCase##_##Name ArgList

#endif  // CORE_ENGINE_RAPIDCHECK_GTEST_H_
