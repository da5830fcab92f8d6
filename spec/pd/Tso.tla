-------------------------------- MODULE Tso --------------------------------
(***************************************************************************)
(* The PD timestamp oracle as implemented by pd/core/tso/tso.h.            *)
(*                                                                         *)
(* A leader hands out timestamps physical * MaxLogical + logical.  It     *)
(* serves only while its physical time is below a bound that storage has  *)
(* acknowledged as durable, asks for the next window (physical +          *)
(* SaveInterval) when less than PersistAhead remains, and a new leader    *)
(* starts at max(clock, stored bound + Guard).  Local clocks jump          *)
(* backwards; persistence writes are acknowledged, lost, or written with  *)
(* the acknowledgement lost; leadership moves at any time (the leader     *)
(* lease makes it exclusive, so the old leader stops serving first).      *)
(*                                                                         *)
(* MutantUnpersisted = TRUE models MUTANT_PD_TSO_UNPERSISTED (serving     *)
(* from a requested but unacknowledged window); TsoMutant.cfg must find a *)
(* TsoStrictlyIncreasing violation.                                        *)
(***************************************************************************)
EXTENDS Integers

CONSTANTS
    Nodes,             \* PD members
    NoNode,            \* model value: no leader
    MaxClock,          \* local clocks range over 0..MaxClock
    MaxLogical,        \* logical values per millisecond
    SaveInterval,      \* window length persisted ahead (TsoOptions.save_interval_ms)
    PersistAhead,      \* refill threshold (TsoOptions.persist_ahead_ms)
    Guard,             \* TsoOptions.guard_ms
    MaxElections,      \* bound on leader changes, for model checking
    MutantUnpersisted  \* BOOLEAN

VARIABLES
    clock,       \* clock[n]: node n's local clock (ms)
    leader,      \* the serving node or NoNode
    elections,   \* number of BecomeLeader steps so far
    physical,    \* physical[n]
    logical,     \* logical[n]
    persisted,   \* persisted[n]: the bound n knows to be durable
    requested,   \* requested[n]: bound asked for, not acknowledged; 0 if none
    storage,     \* the largest bound ever written to storage
    lastIssued,  \* the greatest timestamp handed out so far
    monotonic    \* FALSE once a timestamp not above lastIssued was handed out

vars == <<clock, leader, elections, physical, logical, persisted, requested,
          storage, lastIssued, monotonic>>

Max(a, b) == IF a > b THEN a ELSE b
Ts(p, l) == p * MaxLogical + l

\* The bound that limits serving (Tso::ServingBound).
ServingBound(n) ==
    IF MutantUnpersisted THEN Max(persisted[n], requested[n]) ELSE persisted[n]

\* Tso::MaybeRequestWindow: the new value of requested[n].
RequestFor(n, p) ==
    IF requested[n] = 0 /\ persisted[n] - p <= PersistAhead
    THEN p + SaveInterval
    ELSE requested[n]

TypeOK ==
    /\ clock \in [Nodes -> 0..MaxClock]
    /\ leader \in Nodes \cup {NoNode}
    /\ elections \in Nat
    /\ physical \in [Nodes -> Nat]
    /\ logical \in [Nodes -> 0..(MaxLogical - 1)]
    /\ persisted \in [Nodes -> Nat]
    /\ requested \in [Nodes -> Nat]
    /\ storage \in Nat
    /\ lastIssued \in Nat
    /\ monotonic \in BOOLEAN

Init ==
    /\ clock = [n \in Nodes |-> 0]
    /\ leader = NoNode
    /\ elections = 0
    /\ physical = [n \in Nodes |-> 0]
    /\ logical = [n \in Nodes |-> 0]
    /\ persisted = [n \in Nodes |-> 0]
    /\ requested = [n \in Nodes |-> 0]
    /\ storage = 0
    /\ lastIssued = 0
    /\ monotonic = TRUE

ClockForward(n) ==
    /\ clock[n] < MaxClock
    /\ clock' = [clock EXCEPT ![n] = clock[n] + 1]
    /\ UNCHANGED <<leader, elections, physical, logical, persisted, requested,
                   storage, lastIssued, monotonic>>

ClockJumpBack(n) ==
    /\ \E j \in 0..(clock[n] - 1) : clock' = [clock EXCEPT ![n] = j]
    /\ UNCHANGED <<leader, elections, physical, logical, persisted, requested,
                   storage, lastIssued, monotonic>>

\* Tso::BecomeLeader after reading the stored bound; the previous leader's
\* lease has expired and its pending write can no longer succeed.
BecomeLeader(n) ==
    /\ elections < MaxElections
    /\ LET p == Max(clock[n], storage + Guard) IN
       /\ leader' = n
       /\ elections' = elections + 1
       /\ physical' = [physical EXCEPT ![n] = p]
       /\ logical' = [logical EXCEPT ![n] = 0]
       /\ persisted' = [persisted EXCEPT ![n] = storage]
       /\ requested' = [m \in Nodes |->
                          IF m = n THEN p + SaveInterval ELSE 0]
    /\ UNCHANGED <<clock, storage, lastIssued, monotonic>>

StepDown(n) ==
    /\ leader = n
    /\ leader' = NoNode
    /\ requested' = [requested EXCEPT ![n] = 0]
    /\ UNCHANGED <<clock, elections, physical, logical, persisted, storage,
                   lastIssued, monotonic>>

\* Tso::Tick
Tick(n) ==
    /\ leader = n
    /\ LET next == IF clock[n] - physical[n] > Guard THEN clock[n]
                   ELSE IF logical[n] > MaxLogical \div 2 THEN physical[n] + 1
                   ELSE physical[n]
       IN IF next = physical[n] \/ next >= ServingBound(n)
          THEN /\ requested' = [requested EXCEPT ![n] = RequestFor(n, next)]
               /\ UNCHANGED <<physical, logical>>
          ELSE /\ physical' = [physical EXCEPT ![n] = next]
               /\ logical' = [logical EXCEPT ![n] = 0]
               /\ requested' = [requested EXCEPT ![n] = RequestFor(n, next)]
    /\ UNCHANGED <<clock, leader, elections, persisted, storage, lastIssued,
                   monotonic>>

\* Tso::Allocate(1)
Allocate(n) ==
    /\ leader = n
    /\ physical[n] < ServingBound(n)
    /\ logical[n] + 1 < MaxLogical
    /\ LET ts == Ts(physical[n], logical[n] + 1) IN
       /\ logical' = [logical EXCEPT ![n] = logical[n] + 1]
       /\ monotonic' = (monotonic /\ ts > lastIssued)
       /\ lastIssued' = Max(lastIssued, ts)
    /\ UNCHANGED <<clock, leader, elections, physical, persisted, requested,
                   storage>>

\* The write succeeds and is acknowledged (Tso::OnPersisted).
PersistDone(n) ==
    /\ leader = n
    /\ requested[n] # 0
    /\ storage' = Max(storage, requested[n])
    /\ persisted' = [persisted EXCEPT ![n] = Max(persisted[n], requested[n])]
    /\ requested' = [requested EXCEPT ![n] = 0]
    /\ UNCHANGED <<clock, leader, elections, physical, logical, lastIssued,
                   monotonic>>

\* The write fails (Tso::OnPersistFailed); it is requested again later.
PersistLost(n) ==
    /\ leader = n
    /\ requested[n] # 0
    /\ requested' = [requested EXCEPT ![n] = 0]
    /\ UNCHANGED <<clock, leader, elections, physical, logical, persisted,
                   storage, lastIssued, monotonic>>

\* The write reaches storage but the node only sees a failure.
PersistAckLost(n) ==
    /\ leader = n
    /\ requested[n] # 0
    /\ storage' = Max(storage, requested[n])
    /\ requested' = [requested EXCEPT ![n] = 0]
    /\ UNCHANGED <<clock, leader, elections, physical, logical, persisted,
                   lastIssued, monotonic>>

Next ==
    \E n \in Nodes :
        \/ ClockForward(n)
        \/ ClockJumpBack(n)
        \/ BecomeLeader(n)
        \/ StepDown(n)
        \/ Tick(n)
        \/ Allocate(n)
        \/ PersistDone(n)
        \/ PersistLost(n)
        \/ PersistAckLost(n)

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Invariants.  C++: pd::invariants::TsoStrictlyIncreasing.          *)
(***************************************************************************)
TsoStrictlyIncreasing == monotonic

\* Every timestamp handed out lies below the durable bound.
IssuedBelowStorage == lastIssued < Ts(storage, 0) \/ lastIssued = 0

\* Keeps the state space finite for TLC.
StateConstraint ==
    /\ storage <= MaxClock + 2 * SaveInterval + Guard
    /\ \A n \in Nodes : physical[n] <= MaxClock + 2 * SaveInterval + Guard
=============================================================================
