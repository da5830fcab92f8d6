// RC_PROP_N: a RapidCheck property run as a gtest TEST with a fixed number of
// cases and a maximum size, so that model properties stay fast under ASan.
// The seed and other parameters still come from RC_PARAMS.
#ifndef SPEC_PERCOLATOR_RC_PARAMS_H_
#define SPEC_PERCOLATOR_RC_PARAMS_H_

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <sstream>
#include <string>

namespace spec::percolator {

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

}  // namespace spec::percolator

#define RC_PROP_N(Suite, Name, MaxSuccess, MaxSize)                           \
  void RcProp_##Suite##_##Name();                                             \
  TEST(Suite, Name) {                                                         \
    ::spec::percolator::CheckWithParams(&RcProp_##Suite##_##Name, MaxSuccess, \
                                        MaxSize);                             \
  }                                                                           \
  void RcProp_##Suite##_##Name()

#endif  // SPEC_PERCOLATOR_RC_PARAMS_H_
