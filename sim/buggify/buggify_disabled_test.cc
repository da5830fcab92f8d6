// Without SIM_BUGGIFY_ENABLED (a runtime build) the macros are the constant
// false and never evaluate their context, even one that would always fire.
#include <gtest/gtest.h>

#include "sim/buggify/buggify.h"

namespace sim {
namespace {

#if defined(SIM_BUGGIFY_ENABLED)
#error "this test checks the build without the simulator flag"
#endif

TEST(BuggifyDisabledTest, MacrosAreConstantFalse) {
  BuggifyOptions options;
  options.activation_probability = 1.0;
  options.fire_probability = 1.0;
  Buggify always(1, options);
  int evaluated = 0;
  auto context = [&]() -> Buggify& {
    ++evaluated;
    return always;
  };
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(SIM_BUGGIFY(context()));
    EXPECT_FALSE(SIM_BUGGIFY_WITH_PROB(context(), 1.0));
  }
  EXPECT_EQ(evaluated, 0);
  EXPECT_TRUE(always.Sites().empty()) << "no site was ever evaluated";
  static_assert(!SIM_BUGGIFY(always), "usable in constant expressions");
}

}  // namespace
}  // namespace sim
