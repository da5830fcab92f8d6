// What Percolator's clients observed in a World run, recorded as a Jepsen
// rw-register transaction history, and judged by the Elle-style checker
// (//jepsen/elle) under snapshot isolation.
//
// Ref: Elle (Kingsbury & Alvaro, VLDB 2020) §3.4 rw-register inference;
// jepsen/history/history.h for the meaning of :ok / :fail / :info.
//
// Mapping (HistoryRecorder):
//   process   the client, i.e. the 0-based transaction index (one client runs
//             one transaction and never issues again).
//   :invoke   at the client's begin step (start_ts from the TSO), value
//             [[:r k nil] .. [:w k v] ..]: its reads in order, then its writes.
//   :ok       when the client learns the commit: 2PC at the primary's commit,
//             async commit / 1PC once every prewrite succeeded (ghost
//             `acknowledged`); a read-only transaction after its last read.
//             The reads carry the values the client was served.
//   :fail     when the client learns it did not commit: it rolled its keys
//             back (failed lock or prewrite), or its primary commit found no
//             lock (a resolver had rolled it back).
//   :info     when the client crashes or the schedule ends before it learns
//             the outcome, or it met an error the protocol rules out.
//   values    transaction i writes i+1 to every key it writes (unique per
//             key, as rw-register needs); a read records its writer's number,
//             nil for no value, -1 for a value no transaction wrote.
//   time      the logical clock: the number of steps taken so far. Events are
//             appended in step order, so history order is real-time order,
//             and it is meaningful: a transaction acknowledged before another
//             begins committed below the other's start_ts (one TSO).
#ifndef SPEC_PERCOLATOR_SI_HISTORY_H_
#define SPEC_PERCOLATOR_SI_HISTORY_H_

#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "jepsen/history/history.h"
#include "spec/percolator/world.h"

namespace spec::percolator {

// A pessimistic lock taken at a for_update_ts above the transaction's
// start_ts: the lock met a newer commit (PessimisticRetry) and the client
// locked again at a fresh for_update_ts. TiKV checks that key's write
// conflicts from for_update_ts, not start_ts (tikv.md §2.4; TiDB's pessimistic
// DML is a "current read"), so the value the client read there at start_ts
// may have been overwritten by a commit in between, and its write then loses
// that update: the protocol allows this lost update, SI does not.
struct LateLock {
  int64_t process = 0;
  std::string key;
  auto operator<=>(const LateLock&) const = default;
};

class HistoryRecorder {
 public:
  explicit HistoryRecorder(size_t txn_count);

  // Call after every step with the new state (and once with the initial
  // state): appends the invocations and completions the step caused, and
  // notes new late pessimistic locks.
  void Observe(const World& world);
  // The client of txn `index` crashed: a pending transaction ends :info.
  void Crash(uint32_t index);
  // Every client stops: every pending transaction ends :info.
  void StopAll();

  const jepsen::history::History& history() const { return history_; }
  const std::set<LateLock>& late_locks() const { return late_locks_; }

 private:
  enum class Status : uint8_t { kNotInvoked, kPending, kCompleted };
  struct Client {
    Status status = Status::kNotInvoked;
    Phase last_phase = Phase::kNotStarted;
    jepsen::history::Value invocation;
  };
  void Complete(uint32_t index, jepsen::history::OpType type,
                jepsen::history::Value value);
  void ObserveClient(const World& world, uint32_t index);
  void ObserveLocks(const World& world);

  std::vector<Client> clients_;
  int64_t clock_ = 0;
  jepsen::history::History history_;
  std::set<LateLock> late_locks_;
};

struct SiVerdict {
  bool valid = false;
  // Lost updates allowed because all but one of their transactions wrote
  // the key under a late pessimistic lock.
  size_t allowed_lost_updates = 0;
  // The checker's explanation of its verdict (or its error for a history it
  // cannot read, which is invalid).
  std::string explanation;
};

// Elle rw-register under snapshot-isolation: no G0, G1a/b/c, G-single, lost
// update, garbage or internal read; write skew (G2-item) is allowed, and so
// is a lost update in which every transaction but one locked each key of the
// lost update late (`late_locks`, see LateLock).
SiVerdict CheckSnapshotIsolation(const jepsen::history::History& history,
                                 const std::set<LateLock>& late_locks = {});

// Snapshot isolation that also respects real time ("strong SI"): on top of
// the above, no G0 / G1c / G-single cycle through real-time edges (a
// transaction acknowledged before another began must be in its snapshot).
// Judged by the strict-serializable search, allowing only G2-item cycles
// (and the same lost updates).
SiVerdict CheckStrongSnapshotIsolation(
    const jepsen::history::History& history,
    const std::set<LateLock>& late_locks = {});

// One line per event, for failure reports.
std::string FormatHistory(const jepsen::history::History& history);

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_SI_HISTORY_H_
