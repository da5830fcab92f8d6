----------------------------- MODULE PdOperator -----------------------------
(***************************************************************************)
(* Region split, merge and PD operators (move a peer: AddLearner,          *)
(* PromoteLearner, RemovePeer) executed step by step while stores fail,    *)
(* as in pd/core/operators and core/region.                                *)
(*                                                                         *)
(* Keys are the integers 0..KeyMax-1; a region covers [start, end) and      *)
(* end = KeyMax stands for +inf.  Every conf change bumps confVer; a split *)
(* gives both parts version + 1; a merge gives the target                  *)
(* max(source.version, target.version) + 1.                                *)
(*                                                                         *)
(* Mutants (C++ build flags of the same name):                            *)
(*   MutantRemoveBeforePromote: the old voter is removed while its         *)
(*     replacement is a learner (PdOperatorMutantRemove.cfg must find a    *)
(*     QuorumAlwaysAvailable violation);                                   *)
(*   MutantSplitOverlap: the left part of a split keeps the split key      *)
(*     (PdOperatorMutantSplit.cfg must find a RangesDisjoint violation).   *)
(***************************************************************************)
EXTENDS Integers, FiniteSets, Sequences

CONSTANTS
    Stores,                     \* store ids
    RegionIds,                  \* ids available to regions
    InitialRegion,              \* the id of the region covering all keys at start
    InitialVoters,              \* the initial region's voters
    KeyMax,                     \* keys are 0..KeyMax-1
    MaxFailures,                \* stores that may fail
    MaxConfVer,                 \* bounds for model checking
    MaxVersion,
    MutantRemoveBeforePromote,  \* BOOLEAN
    MutantSplitOverlap          \* BOOLEAN

VARIABLES
    regions,      \* [DOMAIN: live region ids -> region record]
    prevRegions,  \* regions before the last step (for EpochMonotonic)
    alive,        \* stores that are up
    op,           \* op[r]: remaining steps of region r's operator (<<>> = none)
    usedIds       \* region ids ever used

vars == <<regions, prevRegions, alive, op, usedIds>>

Max(a, b) == IF a > b THEN a ELSE b

Region(s, e, cv, v, voters, learners) ==
    [start |-> s, end |-> e, confVer |-> cv, version |-> v,
     voters |-> voters, learners |-> learners]

Overlap(a, b) == a.start < b.end /\ b.start < a.end

\* regions with r set to rec (r may be new).
SetRegion(rs, r, rec) == [x \in DOMAIN rs \cup {r} |-> IF x = r THEN rec ELSE rs[x]]
\* regions without r.
DropRegion(rs, r) == [x \in DOMAIN rs \ {r} |-> rs[x]]

Step(kind, store) == [kind |-> kind, store |-> store]

TypeOK ==
    /\ DOMAIN regions \subseteq RegionIds
    /\ \A r \in DOMAIN regions :
         /\ regions[r].start \in 0..KeyMax
         /\ regions[r].end \in 0..(KeyMax + 1)
         /\ regions[r].voters \subseteq Stores
         /\ regions[r].learners \subseteq Stores
         /\ regions[r].voters \cap regions[r].learners = {}
    /\ alive \subseteq Stores
    /\ DOMAIN op = RegionIds
    /\ \A r \in RegionIds :
         /\ Len(op[r]) <= 3
         /\ \A i \in 1..Len(op[r]) :
              /\ op[r][i].kind \in {"AddLearner", "Promote", "Remove"}
              /\ op[r][i].store \in Stores
    /\ usedIds \subseteq RegionIds

Init ==
    /\ regions = [r \in {InitialRegion} |-> Region(0, KeyMax, 1, 1, InitialVoters, {})]
    /\ prevRegions = regions
    /\ alive = Stores
    /\ op = [r \in RegionIds |-> <<>>]
    /\ usedIds = DOMAIN regions

(***************************************************************************)
(* Operators.                                                              *)
(***************************************************************************)

\* PD creates a move operator (balance or repair): the builder's step order.
StartMove(r, from, to) ==
    /\ r \in DOMAIN regions
    /\ op[r] = <<>>
    /\ regions[r].learners = {}
    /\ from \in regions[r].voters
    /\ to \in alive \ regions[r].voters
    /\ op' = [op EXCEPT ![r] =
                IF MutantRemoveBeforePromote
                THEN <<Step("AddLearner", to), Step("Remove", from), Step("Promote", to)>>
                ELSE <<Step("AddLearner", to), Step("Promote", to), Step("Remove", from)>>]
    /\ UNCHANGED <<regions, prevRegions, alive, usedIds>>

\* The region leader carries out the operator's next step (a conf change).
ExecStep(r) ==
    /\ r \in DOMAIN regions
    /\ op[r] # <<>>
    /\ LET s == Head(op[r])
           g == regions[r]
           voters == CASE s.kind = "Promote" -> g.voters \cup {s.store}
                       [] s.kind = "Remove" -> g.voters \ {s.store}
                       [] OTHER -> g.voters
           learners == CASE s.kind = "AddLearner" -> g.learners \cup {s.store}
                         [] s.kind = "Promote" -> g.learners \ {s.store}
                         [] OTHER -> g.learners \ {s.store}
       IN /\ voters # {}
          /\ regions' = [regions EXCEPT ![r] =
                           Region(g.start, g.end, g.confVer + 1, g.version, voters, learners)]
    /\ op' = [op EXCEPT ![r] = Tail(op[r])]
    /\ prevRegions' = regions
    /\ UNCHANGED <<alive, usedIds>>

\* The operator times out or is cancelled; a learner may be left behind.
CancelOperator(r) ==
    /\ op[r] # <<>>
    /\ op' = [op EXCEPT ![r] = <<>>]
    /\ UNCHANGED <<regions, prevRegions, alive, usedIds>>

\* The replica checker removes a leftover learner.
RemoveLearner(r, s) ==
    /\ r \in DOMAIN regions
    /\ op[r] = <<>>
    /\ s \in regions[r].learners
    /\ LET g == regions[r] IN
       regions' = [regions EXCEPT ![r] =
                     Region(g.start, g.end, g.confVer + 1, g.version, g.voters,
                            g.learners \ {s})]
    /\ prevRegions' = regions
    /\ UNCHANGED <<alive, op, usedIds>>

(***************************************************************************)
(* Split and merge (core/region/split_merge.h).                            *)
(***************************************************************************)
Split(r, k, new) ==
    /\ r \in DOMAIN regions
    /\ op[r] = <<>>
    /\ new \in RegionIds \ usedIds
    /\ LET g == regions[r]
           leftEnd == IF MutantSplitOverlap THEN k + 1 ELSE k
       IN /\ g.start < k /\ k < g.end
          /\ regions' = SetRegion(SetRegion(regions, r,
                           Region(k, g.end, g.confVer, g.version + 1, g.voters, g.learners)),
                           new,
                           Region(g.start, leftEnd, g.confVer, g.version + 1, g.voters, g.learners))
    /\ usedIds' = usedIds \cup {new}
    /\ prevRegions' = regions
    /\ UNCHANGED <<alive, op>>

\* Merge source into the adjacent target; peers must be aligned.
Merge(source, target) ==
    /\ source # target
    /\ {source, target} \subseteq DOMAIN regions
    /\ op[source] = <<>> /\ op[target] = <<>>
    /\ LET s == regions[source]
           t == regions[target]
       IN /\ s.end = t.start \/ t.end = s.start
          /\ s.voters = t.voters /\ s.learners = {} /\ t.learners = {}
          /\ regions' = SetRegion(DropRegion(regions, source), target,
                           Region(IF s.start < t.start THEN s.start ELSE t.start,
                                  IF s.end > t.end THEN s.end ELSE t.end,
                                  t.confVer, Max(s.version, t.version) + 1,
                                  t.voters, t.learners))
    /\ prevRegions' = regions
    /\ UNCHANGED <<alive, op, usedIds>>

StoreFails(s) ==
    /\ s \in alive
    /\ Cardinality(Stores \ alive) < MaxFailures
    /\ alive' = alive \ {s}
    /\ UNCHANGED <<regions, prevRegions, op, usedIds>>

Next ==
    \/ \E r \in RegionIds, from, to \in Stores : StartMove(r, from, to)
    \/ \E r \in RegionIds : ExecStep(r) \/ CancelOperator(r)
    \/ \E r \in RegionIds, s \in Stores : RemoveLearner(r, s)
    \/ \E r, new \in RegionIds, k \in 1..(KeyMax - 1) : Split(r, k, new)
    \/ \E source, target \in RegionIds : Merge(source, target)
    \/ \E s \in Stores : StoreFails(s)

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Invariants (C++: pd::invariants::<same name>).                    *)
(***************************************************************************)
RangesDisjoint ==
    \A r, q \in DOMAIN regions : r # q => ~Overlap(regions[r], regions[q])

\* Comparing the region set before and after the last step.
EpochMonotonic ==
    \A r \in DOMAIN regions, q \in DOMAIN prevRegions :
        LET now == regions[r]
            old == prevRegions[q]
        IN Overlap(now, old) =>
             IF r = q
             THEN /\ now.confVer >= old.confVer
                  /\ now.version >= old.version
                  /\ (now.start # old.start \/ now.end # old.end) => now.version > old.version
             ELSE now.version > old.version

QuorumAlwaysAvailable ==
    \A r \in DOMAIN regions :
        2 * Cardinality(regions[r].voters \cap alive) > Cardinality(regions[r].voters)

StateConstraint ==
    \A r \in DOMAIN regions :
        regions[r].confVer <= MaxConfVer /\ regions[r].version <= MaxVersion
=============================================================================
