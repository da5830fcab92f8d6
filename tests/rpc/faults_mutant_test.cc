// Mutation test: built with MUTANT_RPC_CLIENT_DEADLINE_NOT_ENFORCED (the
// channel's deadline timer does nothing, so a call waits for the server or
// for its connection to break), the fault workload must see a call end past
// its deadline. Passes iff the mutant is caught.
#include <gtest/gtest.h>

#include <string>

#include "tests/rpc/faults_workload.h"

namespace rpc::testing {
namespace {

TEST(RpcFaultsMutantTest, WorkloadCatchesCallsPastTheirDeadline) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 5 && !caught; ++seed) {
    for (const std::string& violation : FaultsViolations(RunFaultsSeed(seed))) {
      caught =
          caught || violation.find("past its deadline") != std::string::npos;
    }
  }
  EXPECT_TRUE(caught) << "no call outlived its deadline";
}

}  // namespace
}  // namespace rpc::testing
