// PessimisticRollback. Ref: tikv
// src/storage/txn/commands/pessimistic_rollback.rs tests.
#include "core/txn/actions/pessimistic_rollback.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(PessimisticRollbackTest, ReleasesOnlyOwnPessimisticLocksUpToForUpdateTs) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "a", "a", 10, 12);
  // for_update_ts 11 < 12: a newer statement's lock stays.
  MustPessimisticRollback(e, "a", 10, 11);
  MustLocked(e, "a", 10);
  MustPessimisticRollback(e, "a", 10, 12);
  MustUnlocked(e, "a");
  MustNotWritten(e, "a", 10);  // no rollback record
  // A prewrite lock is untouched.
  MustPessimisticPrewritePut(e, "b", "v", "b", 20, 20,
                             PessimisticAction::kDoPessimisticCheck);
  MustPessimisticRollback(e, "b", 20, 30);
  MustLocked(e, "b", 20);
  // Another txn's lock is untouched.
  MustAcquirePessimisticLock(e, "c", "c", 30, 30);
  MustPessimisticRollback(e, "c", 31, 40);
  MustLocked(e, "c", 30);
}

}  // namespace
}  // namespace core::txn::actions
