// Built with a MUTANT_CLIENT_TXN_* define (BUILD: one mutant_test per
// case); each case passes iff its scenario (tests/client/txn_scenarios.h)
// shows the bug, which txn_committer_test's cases reject.
#include <gtest/gtest.h>

#include "tests/client/txn_scenarios.h"

namespace client::txnkv::testing {
namespace {

// MUTANT_CLIENT_TXN_SECONDARIES_BEFORE_PRIMARY: a secondary's commit goes
// out before the primary's.
TEST(TxnMutantTest, SecondariesBeforePrimary) {
  std::vector<std::vector<std::string>> order = CommitOrder();
  ASSERT_FALSE(order.empty());
  EXPECT_NE(order[0], std::vector<std::string>{"a"})
      << "the mutant survived: the primary was committed first";
}

// MUTANT_CLIENT_TXN_RESOLVER_COMMITS_ROLLED_BACK: a rolled-back txn's lock
// is resolved with a commit_version.
TEST(TxnMutantTest, ResolverCommitsRolledBack) {
  std::vector<uint64_t> versions = ResolveRolledBack();
  ASSERT_FALSE(versions.empty());
  EXPECT_NE(versions[0], 0u) << "the mutant survived: the lock was rolled back";
}

}  // namespace
}  // namespace client::txnkv::testing
