// REGISTER_RC_PROP: RC_GTEST_PROP with a fixed number of cases and a maximum
// generation size, so that model properties stay fast under ASan. The seed
// and every other parameter still come from RC_PARAMS.
#ifndef SIM_REGISTER_RAPIDCHECK_N_H_
#define SIM_REGISTER_RAPIDCHECK_N_H_

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <sstream>
#include <string>

namespace sim::register_kv::testing {

template <typename Testable>
void CheckWithParams(Testable&& testable, int max_success, int max_size) {
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

}  // namespace sim::register_kv::testing

#define REGISTER_RC_PROP(TestCase, Name, MaxSuccess, MaxSize, ArgList)  \
  void rapidCheck_propImpl_##TestCase##_##Name ArgList;                 \
  TEST(TestCase, Name) {                                                \
    ::sim::register_kv::testing::CheckWithParams(                       \
        &rapidCheck_propImpl_##TestCase##_##Name, MaxSuccess, MaxSize); \
  }                                                                     \
  void rapidCheck_propImpl_##TestCase##_##Name ArgList

#endif  // SIM_REGISTER_RAPIDCHECK_N_H_
