// FAULT_POINT in both build forms: with SIM_BUGGIFY_ENABLED the macros ask
// the context (with the site's file:line and probability); without it they
// are the constant false and never evaluate the context expression.
#include "core/env/fault_points.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace core::env {
namespace {

// Records every question and answers from a script.
class ScriptedFaultPoints final : public FaultPoints {
 public:
  struct Call {
    std::string file;
    int line;
    double probability;
  };
  bool Fire(const char* file, int line, double probability) override {
    calls.push_back(Call{file, line, probability});
    return answer;
  }
  bool answer = true;
  std::vector<Call> calls;
};

TEST(FaultPointsTest, NeverFaultPointsNeverFires) {
  NeverFaultPoints never;
  EXPECT_FALSE(never.Fire(__FILE__, __LINE__, 1.0));
  EXPECT_FALSE(never.Fire(__FILE__, __LINE__, -1.0));
}

#if defined(SIM_BUGGIFY_ENABLED)

TEST(FaultPointsTest, EnabledMacrosAskTheContext) {
  ScriptedFaultPoints faults;
  const int line = __LINE__ + 1;
  EXPECT_TRUE(FAULT_POINT(faults));
  EXPECT_TRUE(FAULT_POINT_WITH_PROB(faults, 0.25));
  faults.answer = false;
  EXPECT_FALSE(FAULT_POINT(faults));
  ASSERT_EQ(faults.calls.size(), 3u);
  EXPECT_EQ(faults.calls[0].line, line);
  EXPECT_EQ(faults.calls[0].probability, -1.0);
  EXPECT_EQ(faults.calls[1].probability, 0.25);
  EXPECT_EQ(faults.calls[0].file, __FILE__);
}

#else

TEST(FaultPointsTest, DisabledMacrosAreFalseAndDoNotEvaluate) {
  ScriptedFaultPoints faults;
  int evaluations = 0;
  auto context = [&]() -> FaultPoints& {
    ++evaluations;
    return faults;
  };
  EXPECT_FALSE(FAULT_POINT(context()));
  EXPECT_FALSE(FAULT_POINT_WITH_PROB(context(), 1.0));
  EXPECT_EQ(evaluations, 0);
  EXPECT_TRUE(faults.calls.empty());
  static_assert(!FAULT_POINT(faults), "usable in constant expressions");
}

#endif

}  // namespace
}  // namespace core::env
