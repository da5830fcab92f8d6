// The Percolator invariants, checked on a World. Each name is shared with
// the TLA+ spec (Percolator.tla) and with the test that breaks it; the table
// is in README.md.
//
// They read the store directly (not through the MVCC reader) so that a bug
// in the read path cannot hide a bug in the data.
#ifndef SPEC_PERCOLATOR_INVARIANTS_H_
#define SPEC_PERCOLATOR_INVARIANTS_H_

#include <string>
#include <vector>

#include "spec/explorer/explorer.h"
#include "spec/percolator/world.h"

namespace spec::percolator {

// Every read returned the value of the newest Put/Delete of its key with
// commit_ts <= read ts (as committed now): reads see a consistent snapshot.
bool SnapshotReadConsistency(const World& world, std::string* detail);
// A transaction whose client was told "committed" has, on every key it
// writes, either its commit record at that commit_ts or its lock (not yet
// resolved) — never a rollback and never nothing.
bool NoLostCommit(const World& world, std::string* detail);
// Every commit record has commit_ts > start_ts.
bool CommitAfterStart(const World& world, std::string* detail);
// A transaction is committed everywhere or nowhere: no key has its commit
// record while another has its rollback; all its commit records share one
// commit_ts; a 2PC secondary is committed only after its primary; and once
// a resolver decided the fate from the primary, the data agrees with it.
bool PrimaryDecidesSecondaries(const World& world, std::string* detail);
// Two committed writers of one key never overlap: the earlier commit_ts is
// at or below the later writer's conflict-check ts (start_ts, or
// for_update_ts for pessimistic transactions). First committer wins.
bool NoConflictingCommits(const World& world, std::string* detail);
// An async-commit / 1PC transaction commits above every read of its keys
// that was served before its prewrite (the max_ts rule).
bool AsyncCommitTsAboveReads(const World& world, std::string* detail);
// Model sanity: no action returned an outcome the protocol rules out.
bool NoUnexpectedError(const World& world, std::string* detail);

std::vector<explorer::NamedInvariant<World>> AllInvariants();

// Runs every invariant; returns the first violated name ("" when all hold)
// and fills `detail`.
std::string FirstViolation(const World& world, std::string* detail);

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_INVARIANTS_H_
