------------------------------ MODULE SafePoint ------------------------------
(***************************************************************************)
(* GC safe point and service safe points with TTL, as in                   *)
(* pd/core/gc/safe_point.h.  The GC safe point only moves forward and is   *)
(* clamped to the minimum live service safe point; a service may not set  *)
(* a safe point below the GC safe point; service safe points expire.       *)
(***************************************************************************)
EXTENDS Integers

CONSTANTS
    Services,   \* service ids (br, cdc, ...)
    MaxTs,      \* timestamps range over 0..MaxTs
    MaxTime,    \* the clock ranges over 0..MaxTime
    MaxTtl      \* TTLs range over 0..MaxTtl (0 removes the service)

VARIABLES
    now,       \* PD's clock
    gc,        \* the GC safe point
    prevGc,    \* the GC safe point before the last step
    service    \* service[s] = [sp, expire]; expire = 0 means absent

vars == <<now, gc, prevGc, service>>

Live(s) == service[s].expire > now
Min(a, b) == IF a < b THEN a ELSE b

\* The minimum live service safe point, or MaxTs when none is live.
MinService ==
    LET live == {service[s].sp : s \in {x \in Services : Live(x)}}
    IN IF live = {} THEN MaxTs ELSE CHOOSE m \in live : \A o \in live : m <= o

TypeOK ==
    /\ now \in 0..MaxTime
    /\ gc \in 0..MaxTs
    /\ prevGc \in 0..MaxTs
    /\ service \in [Services -> [sp : 0..MaxTs, expire : 0..(MaxTime + MaxTtl)]]

Init ==
    /\ now = 0
    /\ gc = 0
    /\ prevGc = 0
    /\ service = [s \in Services |-> [sp |-> 0, expire |-> 0]]

Tick ==
    /\ now < MaxTime
    /\ now' = now + 1
    /\ prevGc' = gc
    /\ UNCHANGED <<gc, service>>

\* SafePointManager::UpdateGcSafePoint: requests below gc fail unchanged.
UpdateGc(target) ==
    /\ target >= gc
    /\ gc' = Min(target, MinService)
    /\ prevGc' = gc
    /\ UNCHANGED <<now, service>>

\* SafePointManager::UpdateServiceSafePoint.
UpdateService(s, sp, ttl) ==
    /\ IF ttl = 0
       THEN service' = [service EXCEPT ![s] = [sp |-> 0, expire |-> 0]]
       ELSE /\ sp >= gc
            /\ service' = [service EXCEPT ![s] = [sp |-> sp, expire |-> now + ttl]]
    /\ prevGc' = gc
    /\ UNCHANGED <<now, gc>>

Next ==
    \/ Tick
    \/ \E t \in 0..MaxTs : UpdateGc(t)
    \/ \E s \in Services, sp \in 0..MaxTs, ttl \in 0..MaxTtl : UpdateService(s, sp, ttl)

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Invariants (C++: pd::invariants::<same name>).                    *)
(***************************************************************************)
SafePointMonotonic == gc >= prevGc

GcSafePointBounded == \A s \in Services : Live(s) => gc <= service[s].sp
=============================================================================
