----------------------------- MODULE Percolator -----------------------------
(***************************************************************************)
(* Percolator on TiKV's MVCC layout: optimistic, pessimistic and          *)
(* async-commit transactions, read-only snapshot readers, and lock        *)
(* resolution by other clients (CheckTxnStatus / CheckSecondaryLocks /    *)
(* ResolveLock), with protected and collapsible rollback records.         *)
(*                                                                         *)
(* The invariant names are shared with the C++ checks in                  *)
(* spec/percolator/invariants.h and the tests that break them (README.md). *)
(*                                                                         *)
(* Abstractions: a lock TTL is not modelled (any lock may be resolved at   *)
(* any time, as if its client were arbitrarily slow); values are the      *)
(* identity of the writing transaction; each step is atomic (latches).     *)
(* Ref: Percolator (OSDI'10) section 2.2; tikv.md sections 2.2-2.6;        *)
(* pingcap/tla-plus Percolator and DistributedTransaction.                 *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    KEYS,          \* the keys
    OPTIMISTIC,    \* optimistic 2PC transactions
    PESSIMISTIC,   \* pessimistic 2PC transactions
    ASYNC,         \* async-commit transactions
    READERS,       \* read-only transactions
    TxnKeys,       \* [OPTIMISTIC \cup PESSIMISTIC \cup ASYNC -> SUBSET KEYS]
    TxnPrimary,    \* [OPTIMISTIC \cup PESSIMISTIC \cup ASYNC -> KEYS]
    ReaderKeys,    \* [READERS -> SUBSET KEYS]
    MaxTs          \* bound on the TSO (state constraint)

WRITERS == OPTIMISTIC \cup PESSIMISTIC \cup ASYNC
TXNS == WRITERS \cup READERS

ASSUME /\ OPTIMISTIC \cap PESSIMISTIC = {}
       /\ OPTIMISTIC \cap ASYNC = {}
       /\ PESSIMISTIC \cap ASYNC = {}
       /\ READERS \cap WRITERS = {}
       /\ \A t \in WRITERS : TxnPrimary[t] \in TxnKeys[t]
       /\ MaxTs \in Nat

VARIABLES
    tso,             \* last timestamp handed out by the TSO
    max_ts,          \* the store's concurrency manager max_ts
    key_lock,        \* [KEYS -> set of lock records] (at most one)
    key_write,       \* [KEYS -> set of write records]
    client_state,    \* [TXNS -> phase]
    start_ts,        \* [TXNS -> Nat]
    for_update_ts,   \* [TXNS -> Nat]
    commit_ts,       \* [TXNS -> Nat]
    prewritten,      \* [WRITERS -> SUBSET KEYS]
    locked,          \* [PESSIMISTIC -> SUBSET KEYS]
    async_commit_ts, \* [ASYNC -> Nat] max min_commit_ts so far
    \* ghost state for the invariants
    reads,           \* set of [reader, key, ts, saw] (saw: a txn or "none")
    decision,        \* [WRITERS -> "none" | "committed" | "rolled_back"]
    decision_ts,     \* [WRITERS -> Nat]
    acknowledged,    \* [WRITERS -> BOOLEAN]  the client was told "committed"
    conflict_ts,     \* [WRITERS -> Nat]  ts conflicts were checked from
    read_before_prewrite \* [WRITERS -> [KEYS -> Nat]]

vars == <<tso, max_ts, key_lock, key_write, client_state, start_ts,
          for_update_ts, commit_ts, prewritten, locked, async_commit_ts,
          reads, decision, decision_ts, acknowledged, conflict_ts,
          read_before_prewrite>>

Max(a, b) == IF a > b THEN a ELSE b
MaxOf(S) == CHOOSE x \in S : \A y \in S : y <= x

-----------------------------------------------------------------------------
(* Records *)

\* kind: "prewrite" (Put) or "pessimistic"; async locks carry min_commit_ts.
Lock(t, kind, min_ts) ==
    [txn |-> t, ts |-> start_ts[t], primary |-> TxnPrimary[t], kind |-> kind,
     async |-> t \in ASYNC, min_commit_ts |-> min_ts]

\* kind: "put" or "rollback"; a rollback sits at commit_ts = start_ts.
PutRecord(t, cts) ==
    [txn |-> t, start |-> start_ts[t], commit |-> cts, kind |-> "put",
     protected |-> FALSE]
RollbackRecord(t, prot) ==
    [txn |-> t, start |-> start_ts[t], commit |-> start_ts[t],
     kind |-> "rollback", protected |-> prot]

LockOf(t, k) == {l \in key_lock[k] : l.txn = t}
HasLock(t, k) == LockOf(t, k) # {}
OtherLock(t, k) == \E l \in key_lock[k] : l.txn # t
CommitRecord(t, k) == {w \in key_write[k] : w.txn = t /\ w.kind = "put"}
RolledBackOn(t, k) == \E w \in key_write[k] : w.txn = t /\ w.kind = "rollback"
IsCommittedOn(t, k) == CommitRecord(t, k) # {}

\* The newest record of k strictly below ts, if it is an unprotected
\* rollback: a new rollback collapses it (tikv collapse_prev_rollback).
Collapsed(k, ts) ==
    LET below == {w \in key_write[k] : w.commit < ts}
        newest == {w \in below : \A v \in below : v.commit <= w.commit}
    IN {w \in newest : w.kind = "rollback" /\ ~w.protected}

\* Write a rollback of t on k and collapse the previous unprotected one.
WriteRollbackP(t, k, prot) ==
    (key_write[k] \ Collapsed(k, start_ts[t])) \cup {RollbackRecord(t, prot)}

\* A rollback is protected when k is the transaction's primary.
WriteRollback(t, k) == WriteRollbackP(t, k, k = TxnPrimary[t])

\* A lock blocks a read at ts (tikv check_ts_conflict_si).
Blocks(l, ts) == l.kind = "prewrite" /\ l.ts <= ts /\ l.min_commit_ts <= ts

\* The writer of the newest committed value of k at ts.
LatestWriter(k, ts) ==
    LET visible == {w \in key_write[k] : w.kind = "put" /\ w.commit <= ts}
    IN IF visible = {} THEN "none"
       ELSE (CHOOSE w \in visible : \A v \in visible : v.commit <= w.commit).txn

NextTs == tso + 1

-----------------------------------------------------------------------------
(* Initial state *)

Init ==
    /\ tso = 0
    /\ max_ts = 0
    /\ key_lock = [k \in KEYS |-> {}]
    /\ key_write = [k \in KEYS |-> {}]
    /\ client_state = [t \in TXNS |-> "init"]
    /\ start_ts = [t \in TXNS |-> 0]
    /\ for_update_ts = [t \in TXNS |-> 0]
    /\ commit_ts = [t \in TXNS |-> 0]
    /\ prewritten = [t \in WRITERS |-> {}]
    /\ locked = [t \in PESSIMISTIC |-> {}]
    /\ async_commit_ts = [t \in ASYNC |-> 0]
    /\ reads = {}
    /\ decision = [t \in WRITERS |-> "none"]
    /\ decision_ts = [t \in WRITERS |-> 0]
    /\ acknowledged = [t \in WRITERS |-> FALSE]
    /\ conflict_ts = [t \in WRITERS |-> 0]
    /\ read_before_prewrite = [t \in WRITERS |-> [k \in KEYS |-> 0]]

-----------------------------------------------------------------------------
(* Clients *)

Begin(t) ==
    /\ client_state[t] = "init"
    /\ tso' = NextTs
    /\ start_ts' = [start_ts EXCEPT ![t] = NextTs]
    /\ for_update_ts' = [for_update_ts EXCEPT ![t] = NextTs]
    /\ client_state' = [client_state EXCEPT ![t] =
           IF t \in READERS THEN "reading"
           ELSE IF t \in PESSIMISTIC THEN "locking" ELSE "prewriting"]
    /\ UNCHANGED <<max_ts, key_lock, key_write, commit_ts, prewritten, locked,
                   async_commit_ts, reads, decision, decision_ts,
                   acknowledged, conflict_ts, read_before_prewrite>>

\* KvGet at the reader's start_ts; waits (disabled) while a lock blocks it.
Read(r, k) ==
    /\ client_state[r] = "reading"
    /\ k \in ReaderKeys[r]
    /\ ~\E x \in reads : x.reader = r /\ x.key = k
    /\ ~\E l \in key_lock[k] : Blocks(l, start_ts[r])
    /\ max_ts' = Max(max_ts, start_ts[r])
    /\ reads' = reads \cup {[reader |-> r, key |-> k, ts |-> start_ts[r],
                             saw |-> LatestWriter(k, start_ts[r])]}
    /\ UNCHANGED <<tso, key_lock, key_write, client_state, start_ts,
                   for_update_ts, commit_ts, prewritten, locked,
                   async_commit_ts, decision, decision_ts, acknowledged,
                   conflict_ts, read_before_prewrite>>

\* AcquirePessimisticLock at for_update_ts.
LockKey(t, k) ==
    /\ client_state[t] = "locking"
    /\ k \in TxnKeys[t] \ locked[t]
    /\ key_lock[k] = {}
    /\ \A w \in key_write[k] : w.commit <= for_update_ts[t]
    /\ ~RolledBackOn(t, k)
    /\ key_lock' = [key_lock EXCEPT ![k] = {Lock(t, "pessimistic", 0)}]
    /\ locked' = [locked EXCEPT ![t] = @ \cup {k}]
    /\ client_state' = [client_state EXCEPT ![t] =
           IF locked'[t] = TxnKeys[t] THEN "prewriting" ELSE "locking"]
    /\ UNCHANGED <<tso, max_ts, key_write, start_ts, for_update_ts,
                   commit_ts, prewritten, async_commit_ts, reads, decision,
                   decision_ts, acknowledged, conflict_ts,
                   read_before_prewrite>>

\* WriteConflict(PessimisticRetry): retry with a newer for_update_ts.
RetryLock(t, k) ==
    /\ client_state[t] = "locking"
    /\ k \in TxnKeys[t] \ locked[t]
    /\ key_lock[k] = {}
    /\ \E w \in key_write[k] : w.commit > for_update_ts[t]
    /\ tso' = NextTs
    /\ for_update_ts' = [for_update_ts EXCEPT ![t] = NextTs]
    /\ UNCHANGED <<max_ts, key_lock, key_write, client_state, start_ts,
                   commit_ts, prewritten, locked, async_commit_ts, reads,
                   decision, decision_ts, acknowledged, conflict_ts,
                   read_before_prewrite>>

\* The prewrite checks of tikv prewrite.rs; TRUE when the prewrite may lock.
PrewriteOk(t, k) ==
    IF t \in PESSIMISTIC /\ HasLock(t, k)
    THEN TRUE   \* our pessimistic lock: nobody wrote k since for_update_ts
    ELSE /\ ~RolledBackOn(t, k)
         /\ IF t \in PESSIMISTIC
            THEN \A w \in key_write[k] :
                     w.commit > for_update_ts[t] => w.kind = "rollback"
            ELSE \A w \in key_write[k] : w.commit <= start_ts[t]

MinCommitTs(t) == Max(max_ts, start_ts[t]) + 1

Prewrite(t, k) ==
    /\ client_state[t] = "prewriting"
    /\ k \in TxnKeys[t] \ prewritten[t]
    /\ \/ k = TxnPrimary[t]
       \/ TxnPrimary[t] \in prewritten[t]   \* primary first
    /\ ~OtherLock(t, k)
    /\ conflict_ts' = [conflict_ts EXCEPT ![t] =
           IF t \in PESSIMISTIC THEN for_update_ts[t] ELSE start_ts[t]]
    /\ read_before_prewrite' = [read_before_prewrite EXCEPT ![t][k] =
           LET rs == {x.ts : x \in {y \in reads : y.key = k}}
           IN IF rs = {} THEN 0 ELSE MaxOf(rs)]
    /\ IF PrewriteOk(t, k)
       THEN LET min_ts == IF t \in ASYNC THEN MinCommitTs(t) ELSE 0
                done == prewritten[t] \cup {k}
            IN /\ key_lock' = [key_lock EXCEPT ![k] = {Lock(t, "prewrite", min_ts)}]
               /\ prewritten' = [prewritten EXCEPT ![t] = done]
               /\ async_commit_ts' = IF t \in ASYNC
                      THEN [async_commit_ts EXCEPT ![t] = Max(@, min_ts)]
                      ELSE async_commit_ts
               /\ IF done = TxnKeys[t]
                  THEN IF t \in ASYNC
                       THEN \* logically committed (tikv.md 2.3)
                            /\ client_state' = [client_state EXCEPT ![t] = "committing"]
                            /\ commit_ts' = [commit_ts EXCEPT ![t] = async_commit_ts'[t]]
                            /\ acknowledged' = [acknowledged EXCEPT ![t] = TRUE]
                       ELSE /\ client_state' = [client_state EXCEPT ![t] = "get_commit_ts"]
                            /\ UNCHANGED <<commit_ts, acknowledged>>
                  ELSE UNCHANGED <<client_state, commit_ts, acknowledged>>
       ELSE \* WriteConflict / PessimisticLockNotFound: the client rolls back
            /\ client_state' = [client_state EXCEPT ![t] = "rolling_back"]
            /\ UNCHANGED <<key_lock, prewritten, async_commit_ts, commit_ts,
                           acknowledged>>
    /\ UNCHANGED <<tso, max_ts, key_write, start_ts, for_update_ts, locked,
                   reads, decision, decision_ts>>

GetCommitTs(t) ==
    /\ client_state[t] = "get_commit_ts"
    /\ tso' = NextTs
    /\ commit_ts' = [commit_ts EXCEPT ![t] = NextTs]
    /\ client_state' = [client_state EXCEPT ![t] = "committing"]
    /\ UNCHANGED <<max_ts, key_lock, key_write, start_ts, for_update_ts,
                   prewritten, locked, async_commit_ts, reads, decision,
                   decision_ts, acknowledged, conflict_ts,
                   read_before_prewrite>>

\* Commit one key: needs this txn's prewrite lock. For a 2PC txn the
\* primary's commit is the commit point; without its lock the txn aborted.
Commit(t, k) ==
    /\ client_state[t] = "committing"
    /\ k \in TxnKeys[t]
    /\ ~IsCommittedOn(t, k)
    /\ (t \notin ASYNC /\ k # TxnPrimary[t]) => IsCommittedOn(t, TxnPrimary[t])
    /\ IF \E l \in LockOf(t, k) : l.kind = "prewrite"
       THEN /\ key_write' = [key_write EXCEPT ![k] = @ \cup {PutRecord(t, commit_ts[t])}]
            /\ key_lock' = [key_lock EXCEPT ![k] = {}]
            /\ acknowledged' = IF k = TxnPrimary[t]
                                  THEN [acknowledged EXCEPT ![t] = TRUE]
                                  ELSE acknowledged
            /\ client_state' = IF \A j \in TxnKeys[t] \ {k} : IsCommittedOn(t, j)
                                  THEN [client_state EXCEPT ![t] = "done"]
                                  ELSE client_state
       ELSE \* TxnLockNotFound
            /\ client_state' = [client_state EXCEPT ![t] =
                   IF t \notin ASYNC /\ k = TxnPrimary[t] THEN "aborted" ELSE "done"]
            /\ UNCHANGED <<key_write, key_lock, acknowledged>>
    /\ UNCHANGED <<tso, max_ts, start_ts, for_update_ts, commit_ts, prewritten,
                   locked, async_commit_ts, reads, decision, decision_ts,
                   conflict_ts, read_before_prewrite>>

\* KvBatchRollback of every key the client may have locked.
ClientRollback(t) ==
    /\ client_state[t] = "rolling_back"
    /\ key_lock' = [k \in KEYS |-> IF k \in TxnKeys[t] THEN key_lock[k] \ LockOf(t, k)
                                                       ELSE key_lock[k]]
    /\ key_write' = [k \in KEYS |->
           IF k \in TxnKeys[t] /\ ~RolledBackOn(t, k) /\ ~IsCommittedOn(t, k)
           THEN WriteRollback(t, k) ELSE key_write[k]]
    /\ client_state' = [client_state EXCEPT ![t] = "aborted"]
    /\ UNCHANGED <<tso, max_ts, start_ts, for_update_ts, commit_ts, prewritten,
                   locked, async_commit_ts, reads, decision, decision_ts,
                   acknowledged, conflict_ts, read_before_prewrite>>

-----------------------------------------------------------------------------
(* Resolvers: other clients that met a lock of t (tikv.md 2.5) *)

\* CheckTxnStatus on t's primary (plus CheckSecondaryLocks for async
\* commit), then record the fate. Rolling back writes protected records.
\* Committed when the primary (or, for async commit, any key) has the
\* commit record, or when every key of an async-commit txn is prewritten.
Decide(t) ==
    LET p == TxnPrimary[t]
        committed_keys == {k \in TxnKeys[t] : IsCommittedOn(t, k)}
        decisive_keys == IF t \in ASYNC THEN committed_keys ELSE committed_keys \cap {p}
        all_locked == \A k \in TxnKeys[t] : \E l \in LockOf(t, k) : l.kind = "prewrite"
        lock_ts == {l.min_commit_ts : l \in UNION {LockOf(t, k) : k \in TxnKeys[t]}}
        \* async: every unlocked key gets a protected rollback (CheckSecondaryLocks)
        targets == IF t \in ASYNC THEN {p} \cup {k \in TxnKeys[t] : ~HasLock(t, k)}
                   ELSE {p}
    IN
    /\ decision[t] = "none"
    /\ start_ts[t] # 0
    /\ \E k \in TxnKeys[t] : HasLock(t, k)
    /\ tso' = NextTs               \* current_ts
    /\ max_ts' = Max(max_ts, NextTs)
    /\ \/ /\ decisive_keys # {}
          /\ decision' = [decision EXCEPT ![t] = "committed"]
          /\ decision_ts' = [decision_ts EXCEPT ![t] =
                 (CHOOSE w \in CommitRecord(t, CHOOSE k \in decisive_keys : TRUE) : TRUE).commit]
          /\ UNCHANGED <<key_lock, key_write>>
       \/ /\ decisive_keys = {}
          /\ t \in ASYNC /\ all_locked
          /\ decision' = [decision EXCEPT ![t] = "committed"]
          /\ decision_ts' = [decision_ts EXCEPT ![t] = MaxOf(lock_ts)]
          /\ UNCHANGED <<key_lock, key_write>>
       \/ /\ decisive_keys = {}
          /\ ~(t \in ASYNC /\ all_locked)
          /\ key_lock' = [k \in KEYS |-> IF k \in targets
                                            THEN key_lock[k] \ LockOf(t, k)
                                            ELSE key_lock[k]]
          /\ key_write' = [k \in KEYS |->
                 IF k \in targets /\ ~RolledBackOn(t, k)
                 THEN WriteRollbackP(t, k, TRUE)
                 ELSE key_write[k]]
          /\ decision' = [decision EXCEPT ![t] = "rolled_back"]
          /\ UNCHANGED decision_ts
    /\ UNCHANGED <<client_state, start_ts, for_update_ts, commit_ts,
                   prewritten, locked, async_commit_ts, reads, acknowledged,
                   conflict_ts, read_before_prewrite>>

\* ResolveLock: finish a decided transaction's lock on k.
Resolve(t, k) ==
    /\ decision[t] # "none"
    /\ HasLock(t, k)
    /\ IF decision[t] = "committed"
       THEN key_write' = [key_write EXCEPT ![k] = @ \cup {PutRecord(t, decision_ts[t])}]
       ELSE key_write' = [key_write EXCEPT ![k] = WriteRollback(t, k)]
    /\ key_lock' = [key_lock EXCEPT ![k] = {}]
    /\ UNCHANGED <<tso, max_ts, client_state, start_ts, for_update_ts,
                   commit_ts, prewritten, locked, async_commit_ts, reads,
                   decision, decision_ts, acknowledged, conflict_ts,
                   read_before_prewrite>>

-----------------------------------------------------------------------------

Next ==
    \/ \E t \in TXNS : Begin(t)
    \/ \E r \in READERS, k \in KEYS : Read(r, k)
    \/ \E t \in PESSIMISTIC, k \in KEYS : LockKey(t, k) \/ RetryLock(t, k)
    \/ \E t \in WRITERS, k \in KEYS : Prewrite(t, k) \/ Commit(t, k)
    \/ \E t \in WRITERS : GetCommitTs(t) \/ ClientRollback(t) \/ Decide(t)
    \/ \E t \in WRITERS, k \in KEYS : Resolve(t, k)

Spec == Init /\ [][Next]_vars

\* State constraint for TLC: bound the TSO.
TsBound == tso <= MaxTs

-----------------------------------------------------------------------------
(* Invariants (same names as spec/percolator/invariants.h) *)

TypeOK ==
    /\ tso \in Nat /\ max_ts \in Nat
    /\ \A k \in KEYS : Cardinality(key_lock[k]) <= 1
    /\ decision \in [WRITERS -> {"none", "committed", "rolled_back"}]

SnapshotReadConsistency ==
    \A x \in reads : x.saw = LatestWriter(x.key, x.ts)

NoLostCommit ==
    \A t \in WRITERS : acknowledged[t] =>
        \A k \in TxnKeys[t] :
            \/ \E w \in CommitRecord(t, k) : w.commit = commit_ts[t]
            \/ \E l \in LockOf(t, k) : l.kind = "prewrite"

CommitAfterStart ==
    \A k \in KEYS : \A w \in key_write[k] : w.kind = "put" => w.commit > w.start

PrimaryDecidesSecondaries ==
    \A t \in WRITERS :
        /\ ~((\E k \in TxnKeys[t] : IsCommittedOn(t, k)) /\
             (\E k \in TxnKeys[t] : RolledBackOn(t, k)))
        /\ decision[t] = "rolled_back" => \A k \in KEYS : ~IsCommittedOn(t, k)
        /\ decision[t] = "committed" =>
               \A k \in KEYS : \A w \in CommitRecord(t, k) : w.commit = decision_ts[t]
        /\ t \notin ASYNC =>
               ((\E k \in TxnKeys[t] : IsCommittedOn(t, k)) => IsCommittedOn(t, TxnPrimary[t]))

NoConflictingCommits ==
    \A k \in KEYS : \A w1, w2 \in key_write[k] :
        (w1.kind = "put" /\ w2.kind = "put" /\ w1.commit < w2.commit)
            => w1.commit <= conflict_ts[w2.txn]

AsyncCommitTsAboveReads ==
    \A t \in ASYNC : \A k \in KEYS : \A w \in CommitRecord(t, k) :
        w.commit > read_before_prewrite[t][k]

=============================================================================
