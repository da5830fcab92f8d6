--------------------------------- MODULE Raft ---------------------------------
(***************************************************************************)
(* Raft as implemented by core/raft: leader election with optional         *)
(* pre-vote and check-quorum, log replication, commit by counting only     *)
(* current-term entries, crash/restart that keeps only durable state, an   *)
(* unreliable network (loss, duplication, reordering), joint-consensus and *)
(* single-step membership changes, and snapshots (log compaction and       *)
(* InstallSnapshot).                                                       *)
(*                                                                         *)
(* Durability follows the implementation's Ready contract: a node persists *)
(* its term, vote and log before it sends a response that depends on them, *)
(* so the handlers that answer (vote, append) persist atomically; other    *)
(* changes (a term learned from a message, a leader's appended entries)    *)
(* stay volatile until Persist(i) and are lost by Restart(i). A leader      *)
(* counts its own entries towards commit only once persisted.              *)
(*                                                                         *)
(* Invariant names are shared with core/raft/invariants and the explorer;  *)
(* spec/raft/README.md maps every action and invariant to code.            *)
(* Ref: Raft paper (Ongaro & Ousterhout 2014) §5, §7; Raft thesis (Ongaro  *)
(* 2014) §3, §4, §6.2, §9.6.                                               *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, TLC

CONSTANTS
    Server,       \* all nodes that may ever be members
    Value,        \* client values
    Nil,          \* no vote / no value
    InitVoters,   \* the initial configuration (a subset of Server)
    MaxTerm,      \* bounds for model checking (see StateConstraint)
    MaxLogLen,
    MaxMsgCount,
    PreVote,      \* BOOLEAN: pre-vote enabled (thesis §9.6)
    CheckQuorum   \* BOOLEAN: check-quorum and leader stickiness (§6.2)

Follower == "Follower"
PreCandidate == "PreCandidate"
Candidate == "Candidate"
Leader == "Leader"

VARIABLES
    currentTerm, votedFor, state,
    heardFromLeader,  \* a follower heard from a leader within a timeout
    log,              \* entries after the snapshot
    snapIndex, snapTerm, snapConfig,
    commitIndex,
    durable,          \* what survives a crash
    votesGranted, nextIndex, matchIndex,
    messages,         \* a bag: message -> count
    elections,        \* history: every [eterm, eleader] that won
    committed         \* history: every [cindex, cterm, centry] committed

serverVars == <<currentTerm, votedFor, state, heardFromLeader>>
logVars == <<log, snapIndex, snapTerm, snapConfig, commitIndex>>
leaderVars == <<votesGranted, nextIndex, matchIndex>>
historyVars == <<elections, committed>>
vars == <<serverVars, logVars, leaderVars, durable, messages, historyVars>>

----------------------------------------------------------------------------
(* Helpers *)

Max(S) == CHOOSE x \in S : \A y \in S : x >= y
Min(S) == CHOOSE x \in S : \A y \in S : x <= y

NoConfig == [new |-> {}, old |-> {}]
InitConfig == [new |-> InitVoters, old |-> {}]

ValueEntry(t, v) == [term |-> t, kind |-> "value", value |-> v, config |-> NoConfig]
NoOpEntry(t) == [term |-> t, kind |-> "noop", value |-> Nil, config |-> NoConfig]
ConfigEntry(t, c) == [term |-> t, kind |-> "config", value |-> Nil, config |-> c]

\* A log seen through its snapshot: entries si+1 .. si+Len(lg).
LIdx(si, lg) == si + Len(lg)
Ent(si, lg, idx) == lg[idx - si]

LastIndex(i) == LIdx(snapIndex[i], log[i])
HasEntry(i, idx) == idx > snapIndex[i] /\ idx <= LastIndex(i)
EntryAt(i, idx) == Ent(snapIndex[i], log[i], idx)
TermAt(i, idx) ==
    IF idx = snapIndex[i] THEN snapTerm[i]
    ELSE IF HasEntry(i, idx) THEN EntryAt(i, idx).term
    ELSE 0
LastTerm(i) == TermAt(i, LastIndex(i))

\* The configuration in force: the latest in the log (thesis §4.1), else the
\* snapshot's.
LatestConfig(sc, lg) ==
    LET idxs == {k \in 1..Len(lg) : lg[k].kind = "config"}
    IN IF idxs = {} THEN sc ELSE lg[Max(idxs)].config
Config(i) == LatestConfig(snapConfig[i], log[i])
Voters(c) == c.new \cup c.old
IsJoint(c) == c.old # {}

\* A joint configuration needs a majority of both halves (thesis §4.3).
IsQuorum(Q, c) ==
    /\ Cardinality(Q \cap c.new) * 2 > Cardinality(c.new)
    /\ \/ c.old = {}
       \/ Cardinality(Q \cap c.old) * 2 > Cardinality(c.old)

\* Whether the log (si, lg) holds node i's log up to index upto.
HoldsPrefix(si, lg, i, upto) ==
    /\ si >= upto \/ LIdx(si, lg) >= upto
    /\ \A idx \in (Max({si, snapIndex[i]}) + 1)..upto :
           Ent(si, lg, idx) = EntryAt(i, idx)

\* The election restriction (§5.4.1).
LogOk(i, m) ==
    \/ m.mlastLogTerm > LastTerm(i)
    \/ /\ m.mlastLogTerm = LastTerm(i)
       /\ m.mlastLogIndex >= LastIndex(i)

InLease(i) == CheckQuorum /\ heardFromLeader[i]

WithMessage(m, msgs) ==
    IF m \in DOMAIN msgs THEN [msgs EXCEPT ![m] = @ + 1] ELSE msgs @@ (m :> 1)
WithoutMessage(m, msgs) ==
    IF m \in DOMAIN msgs THEN [msgs EXCEPT ![m] = @ - 1] ELSE msgs
ValidMessage(msgs) == {m \in DOMAIN msgs : msgs[m] > 0}
Send(m) == messages' = WithMessage(m, messages)
Discard(m) == messages' = WithoutMessage(m, messages)
Reply(response, request) ==
    messages' = WithoutMessage(request, WithMessage(response, messages))

\* Persist everything node i will hold after this step (used by the
\* handlers that answer: the answer may leave only once this is durable).
PersistNext(i) ==
    durable' = [durable EXCEPT ![i] =
        [term |-> currentTerm'[i], vote |-> votedFor'[i], log |-> log'[i],
         snapIndex |-> snapIndex'[i], snapTerm |-> snapTerm'[i],
         snapConfig |-> snapConfig'[i], commit |-> commitIndex'[i]]]

----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [s \in Server |-> 0]
    /\ votedFor = [s \in Server |-> Nil]
    /\ state = [s \in Server |-> Follower]
    /\ heardFromLeader = [s \in Server |-> FALSE]
    /\ log = [s \in Server |-> << >>]
    /\ snapIndex = [s \in Server |-> 0]
    /\ snapTerm = [s \in Server |-> 0]
    /\ snapConfig = [s \in Server |-> InitConfig]
    /\ commitIndex = [s \in Server |-> 0]
    /\ durable = [s \in Server |->
           [term |-> 0, vote |-> Nil, log |-> << >>, snapIndex |-> 0,
            snapTerm |-> 0, snapConfig |-> InitConfig, commit |-> 0]]
    /\ votesGranted = [s \in Server |-> {}]
    /\ nextIndex = [s \in Server |-> [t \in Server |-> 1]]
    /\ matchIndex = [s \in Server |-> [t \in Server |-> 0]]
    /\ messages = [m \in {} |-> 0]
    /\ elections = {}
    /\ committed = {}

----------------------------------------------------------------------------
(* Crash and durability *)

\* Crash and restart: volatile state is lost; durable state is reloaded.
Restart(i) ==
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = durable[i].term]
    /\ votedFor' = [votedFor EXCEPT ![i] = durable[i].vote]
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
    /\ log' = [log EXCEPT ![i] = durable[i].log]
    /\ snapIndex' = [snapIndex EXCEPT ![i] = durable[i].snapIndex]
    /\ snapTerm' = [snapTerm EXCEPT ![i] = durable[i].snapTerm]
    /\ snapConfig' = [snapConfig EXCEPT ![i] = durable[i].snapConfig]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = durable[i].commit]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [t \in Server |-> 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [t \in Server |-> 0]]
    /\ UNCHANGED <<durable, messages, historyVars>>

\* The driver persists a Ready; a leader then acks its own entries.
Persist(i) ==
    /\ durable' = [durable EXCEPT ![i] =
           [term |-> currentTerm[i], vote |-> votedFor[i], log |-> log[i],
            snapIndex |-> snapIndex[i], snapTerm |-> snapTerm[i],
            snapConfig |-> snapConfig[i], commit |-> commitIndex[i]]]
    /\ durable' # durable
    /\ matchIndex' = IF state[i] = Leader
                       THEN [matchIndex EXCEPT ![i][i] = LastIndex(i)]
                       ELSE matchIndex
    /\ UNCHANGED <<serverVars, logVars, votesGranted, nextIndex, messages,
                   historyVars>>

----------------------------------------------------------------------------
(* Elections *)

\* An election timeout: campaign (after a pre-vote round if enabled).
Timeout(i) ==
    /\ state[i] \in {Follower, PreCandidate, Candidate}
    /\ i \in Voters(Config(i))
    /\ currentTerm[i] < MaxTerm
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ IF PreVote
         THEN /\ state' = [state EXCEPT ![i] = PreCandidate]
              /\ UNCHANGED <<currentTerm, votedFor, durable>>
         ELSE /\ state' = [state EXCEPT ![i] = Candidate]
              /\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
              /\ votedFor' = [votedFor EXCEPT ![i] = i]
              /\ durable' = [durable EXCEPT ![i].term = currentTerm[i] + 1,
                                            ![i].vote = i]
    /\ UNCHANGED <<logVars, nextIndex, matchIndex, messages, historyVars>>

\* A pre-candidate with a quorum of pre-votes starts the real election.
BecomeCandidate(i) ==
    /\ state[i] = PreCandidate
    /\ IsQuorum(votesGranted[i], Config(i))
    /\ state' = [state EXCEPT ![i] = Candidate]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
    /\ votedFor' = [votedFor EXCEPT ![i] = i]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ durable' = [durable EXCEPT ![i].term = currentTerm[i] + 1,
                                  ![i].vote = i]
    /\ UNCHANGED <<heardFromLeader, logVars, nextIndex, matchIndex, messages,
                   historyVars>>

\* Time passes without hearing from a leader (ends leader stickiness).
Elapse(i) ==
    /\ heardFromLeader[i]
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
    /\ UNCHANGED <<currentTerm, votedFor, state, logVars, leaderVars, durable,
                   messages, historyVars>>

\* Check-quorum: a leader may always step down (it does when it has not
\* heard from a quorum within an election timeout).
CheckQuorumStepDown(i) ==
    /\ CheckQuorum
    /\ state[i] = Leader
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ UNCHANGED <<currentTerm, votedFor, heardFromLeader, logVars, leaderVars,
                   durable, messages, historyVars>>

RequestVote(i, j) ==
    /\ state[i] \in {PreCandidate, Candidate}
    /\ j \in Voters(Config(i)) \ {i}
    /\ Send([mtype |-> IF state[i] = PreCandidate THEN "PreVoteRequest"
                                                  ELSE "VoteRequest",
             mterm |-> IF state[i] = PreCandidate THEN currentTerm[i] + 1
                                                  ELSE currentTerm[i],
             mlastLogTerm |-> LastTerm(i),
             mlastLogIndex |-> LastIndex(i),
             msource |-> i, mdest |-> j])
    /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

BecomeLeader(i) ==
    /\ state[i] = Candidate
    /\ IsQuorum(votesGranted[i], Config(i))
    /\ state' = [state EXCEPT ![i] = Leader]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [t \in Server |-> LastIndex(i) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [t \in Server |-> 0]]
    \* An empty entry of the new term lets the leader commit (§5.4.2).
    /\ log' = [log EXCEPT ![i] = Append(@, NoOpEntry(currentTerm[i]))]
    /\ elections' = elections \cup {[eterm |-> currentTerm[i], eleader |-> i]}
    /\ UNCHANGED <<currentTerm, votedFor, heardFromLeader, votesGranted,
                   snapIndex, snapTerm, snapConfig, commitIndex, durable,
                   messages, committed>>

----------------------------------------------------------------------------
(* Client requests and membership *)

ClientRequest(i, v) ==
    /\ state[i] = Leader
    /\ log' = [log EXCEPT ![i] = Append(@, ValueEntry(currentTerm[i], v))]
    /\ UNCHANGED <<serverVars, snapIndex, snapTerm, snapConfig, commitIndex,
                   leaderVars, durable, messages, historyVars>>

\* No configuration entry may be uncommitted when a new one is proposed.
NoPendingConfig(i) ==
    \A idx \in (commitIndex[i] + 1)..LastIndex(i) :
        EntryAt(i, idx).kind # "config"

\* Enter a joint configuration, or change one voter in a single step.
ProposeConfig(i, newVoters) ==
    /\ state[i] = Leader
    /\ newVoters # {}
    /\ NoPendingConfig(i)
    /\ ~IsJoint(Config(i))
    /\ LET cur == Config(i).new
           single == Cardinality((cur \ newVoters) \cup (newVoters \ cur)) <= 1
           next == IF single THEN [new |-> newVoters, old |-> {}]
                             ELSE [new |-> newVoters, old |-> cur]
       IN log' = [log EXCEPT ![i] = Append(@, ConfigEntry(currentTerm[i], next))]
    /\ UNCHANGED <<serverVars, snapIndex, snapTerm, snapConfig, commitIndex,
                   leaderVars, durable, messages, historyVars>>

\* Leave the joint configuration once entering it is committed.
LeaveJoint(i) ==
    /\ state[i] = Leader
    /\ IsJoint(Config(i))
    /\ NoPendingConfig(i)
    /\ log' = [log EXCEPT ![i] = Append(@, ConfigEntry(currentTerm[i],
                                   [new |-> Config(i).new, old |-> {}]))]
    /\ UNCHANGED <<serverVars, snapIndex, snapTerm, snapConfig, commitIndex,
                   leaderVars, durable, messages, historyVars>>

----------------------------------------------------------------------------
(* Replication, commit and snapshots *)

AppendEntries(i, j) ==
    /\ state[i] = Leader
    /\ j \in Voters(Config(i)) \ {i}
    /\ nextIndex[i][j] > snapIndex[i]
    /\ LET prev == nextIndex[i][j] - 1
           entries == IF nextIndex[i][j] <= LastIndex(i)
                        THEN << EntryAt(i, nextIndex[i][j]) >>
                        ELSE << >>
       IN Send([mtype |-> "AppendRequest", mterm |-> currentTerm[i],
                mprevLogIndex |-> prev, mprevLogTerm |-> TermAt(i, prev),
                mentries |-> entries,
                mcommitIndex |-> Min({commitIndex[i], prev + Len(entries)}),
                msource |-> i, mdest |-> j])
    /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

SendSnapshot(i, j) ==
    /\ state[i] = Leader
    /\ j \in Voters(Config(i)) \ {i}
    /\ nextIndex[i][j] <= snapIndex[i]
    /\ Send([mtype |-> "SnapshotRequest", mterm |-> currentTerm[i],
             msnapIndex |-> snapIndex[i], msnapTerm |-> snapTerm[i],
             msnapConfig |-> snapConfig[i], msource |-> i, mdest |-> j])
    /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

\* Commit the largest index a quorum holds, if it is of the current term
\* (§5.4.2, Figure 8: older entries are never committed by counting).
AdvanceCommitIndex(i) ==
    /\ state[i] = Leader
    /\ LET Agree(idx) == {k \in Server : matchIndex[i][k] >= idx}
           agreed == {idx \in (commitIndex[i] + 1)..LastIndex(i) :
                         IsQuorum(Agree(idx), Config(i))}
           newCommit == IF agreed # {} /\ TermAt(i, Max(agreed)) = currentTerm[i]
                          THEN Max(agreed) ELSE commitIndex[i]
       IN /\ newCommit > commitIndex[i]
          /\ commitIndex' = [commitIndex EXCEPT ![i] = newCommit]
          /\ committed' = committed \cup
                 {[cindex |-> k, cterm |-> currentTerm[i],
                   centry |-> EntryAt(i, k)] :
                  k \in (commitIndex[i] + 1)..newCommit}
    /\ UNCHANGED <<serverVars, log, snapIndex, snapTerm, snapConfig,
                   leaderVars, durable, messages, elections>>

\* Log compaction up to a committed index; the snapshot is durable.
Compact(i) ==
    /\ \E k \in (snapIndex[i] + 1)..commitIndex[i] :
        /\ snapIndex' = [snapIndex EXCEPT ![i] = k]
        /\ snapTerm' = [snapTerm EXCEPT ![i] = TermAt(i, k)]
        /\ snapConfig' = [snapConfig EXCEPT ![i] =
               LatestConfig(snapConfig[i], SubSeq(log[i], 1, k - snapIndex[i]))]
        /\ log' = [log EXCEPT ![i] = SubSeq(@, k - snapIndex[i] + 1, Len(@))]
    /\ UNCHANGED <<serverVars, commitIndex, leaderVars, messages, historyVars>>
    /\ PersistNext(i)

----------------------------------------------------------------------------
(* Message handlers *)

\* A higher term makes any node a follower of that term (not persisted
\* yet). Pre-vote messages never change terms; a follower in a leader's
\* lease ignores disruptive vote requests (thesis §4.2.3).
UpdateTerm(i, m) ==
    /\ m.mterm > currentTerm[i]
    /\ m.mtype \notin {"PreVoteRequest", "PreVoteResponse"}
    /\ ~(m.mtype = "VoteRequest" /\ InLease(i))
    /\ currentTerm' = [currentTerm EXCEPT ![i] = m.mterm]
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ UNCHANGED <<heardFromLeader, logVars, leaderVars, durable, messages,
                   historyVars>>

HandleVoteRequest(i, j, m) ==
    LET grant == /\ m.mterm = currentTerm[i]
                 /\ LogOk(i, m)
                 /\ votedFor[i] \in {Nil, j}
                 /\ ~InLease(i)
    IN /\ m.mterm <= currentTerm[i]
       /\ votedFor' = [votedFor EXCEPT ![i] = IF grant THEN j ELSE @]
       /\ durable' = [durable EXCEPT ![i].term = currentTerm[i],
                                     ![i].vote = votedFor'[i]]
       /\ Reply([mtype |-> "VoteResponse", mterm |-> currentTerm[i],
                 mgranted |-> grant, msource |-> i, mdest |-> j], m)
       /\ UNCHANGED <<currentTerm, state, heardFromLeader, logVars,
                      leaderVars, historyVars>>

HandlePreVoteRequest(i, j, m) ==
    LET grant == /\ m.mterm > currentTerm[i]
                 /\ LogOk(i, m)
                 /\ ~InLease(i)
    IN /\ Reply([mtype |-> "PreVoteResponse", mterm |-> m.mterm,
                 mgranted |-> grant, msource |-> i, mdest |-> j], m)
       /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

HandleVoteResponse(i, j, m) ==
    /\ \/ /\ m.mtype = "VoteResponse"
          /\ state[i] = Candidate
          /\ m.mterm = currentTerm[i]
       \/ /\ m.mtype = "PreVoteResponse"
          /\ state[i] = PreCandidate
          /\ m.mterm = currentTerm[i] + 1
    /\ votesGranted' = [votesGranted EXCEPT ![i] =
                           IF m.mgranted THEN @ \cup {j} ELSE @]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, nextIndex, matchIndex, durable,
                   historyVars>>

\* Ref: Raft paper Figure 2 (AppendEntries receiver).
HandleAppendRequest(i, j, m) ==
    LET prev == m.mprevLogIndex
        logOk == \/ prev = 0
                 \/ /\ prev >= snapIndex[i]
                    /\ prev <= LastIndex(i)
                    /\ m.mprevLogTerm = TermAt(i, prev)
        index == prev + 1
        last == prev + Len(m.mentries)
        keep == \/ m.mentries = << >>
                \/ index <= snapIndex[i]
                \/ HasEntry(i, index) /\ EntryAt(i, index).term = m.mentries[1].term
        newLog == IF keep THEN log[i]
                  ELSE SubSeq(log[i], 1, index - 1 - snapIndex[i]) \o m.mentries
    IN /\ m.mterm = currentTerm[i]
       /\ state' = [state EXCEPT ![i] = Follower]
       /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = TRUE]
       /\ UNCHANGED <<currentTerm, votedFor, leaderVars, historyVars>>
       /\ \/ /\ ~logOk
             /\ Reply([mtype |-> "AppendResponse", mterm |-> currentTerm[i],
                       msuccess |-> FALSE, mmatchIndex |-> 0,
                       msource |-> i, mdest |-> j], m)
             /\ UNCHANGED <<logVars, durable>>
          \/ /\ logOk
             /\ log' = [log EXCEPT ![i] = newLog]
             /\ commitIndex' = [commitIndex EXCEPT ![i] =
                    Max({@, Min({m.mcommitIndex, last})})]
             /\ UNCHANGED <<snapIndex, snapTerm, snapConfig>>
             /\ Reply([mtype |-> "AppendResponse", mterm |-> currentTerm[i],
                       msuccess |-> TRUE, mmatchIndex |-> last,
                       msource |-> i, mdest |-> j], m)
             /\ PersistNext(i)

HandleAppendResponse(i, j, m) ==
    /\ m.mterm = currentTerm[i]
    /\ state[i] = Leader
    /\ IF m.msuccess
         THEN /\ matchIndex' = [matchIndex EXCEPT ![i][j] = Max({@, m.mmatchIndex})]
              /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max({@, m.mmatchIndex + 1})]
         ELSE /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max({@ - 1, 1})]
              /\ UNCHANGED matchIndex
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, votesGranted, durable, historyVars>>

\* Ref: Raft paper §7 (InstallSnapshot receiver).
HandleSnapshotRequest(i, j, m) ==
    LET keepSuffix == HasEntry(i, m.msnapIndex) /\ TermAt(i, m.msnapIndex) = m.msnapTerm
    IN
    /\ m.mterm = currentTerm[i]
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = TRUE]
    /\ UNCHANGED <<currentTerm, votedFor, leaderVars, historyVars>>
    /\ IF m.msnapIndex <= commitIndex[i]
         THEN /\ UNCHANGED <<logVars, durable>>
              /\ Reply([mtype |-> "AppendResponse", mterm |-> currentTerm[i],
                        msuccess |-> TRUE, mmatchIndex |-> commitIndex[i],
                        msource |-> i, mdest |-> j], m)
         ELSE /\ log' = [log EXCEPT ![i] =
                     IF keepSuffix
                       THEN SubSeq(@, m.msnapIndex - snapIndex[i] + 1, Len(@))
                       ELSE << >>]
              /\ snapIndex' = [snapIndex EXCEPT ![i] = m.msnapIndex]
              /\ snapTerm' = [snapTerm EXCEPT ![i] = m.msnapTerm]
              /\ snapConfig' = [snapConfig EXCEPT ![i] = m.msnapConfig]
              /\ commitIndex' = [commitIndex EXCEPT ![i] = m.msnapIndex]
              /\ Reply([mtype |-> "AppendResponse", mterm |-> currentTerm[i],
                        msuccess |-> TRUE, mmatchIndex |-> m.msnapIndex,
                        msource |-> i, mdest |-> j], m)
              /\ PersistNext(i)

Receive(m) ==
    LET i == m.mdest
        j == m.msource
    IN \/ UpdateTerm(i, m)
       \/ m.mtype = "VoteRequest" /\ HandleVoteRequest(i, j, m)
       \/ m.mtype = "PreVoteRequest" /\ HandlePreVoteRequest(i, j, m)
       \/ m.mtype \in {"VoteResponse", "PreVoteResponse"} /\
              HandleVoteResponse(i, j, m)
       \/ m.mtype = "AppendRequest" /\ HandleAppendRequest(i, j, m)
       \/ m.mtype = "AppendResponse" /\ HandleAppendResponse(i, j, m)
       \/ m.mtype = "SnapshotRequest" /\ HandleSnapshotRequest(i, j, m)

\* The unreliable network.
DuplicateMessage(m) ==
    /\ Send(m)
    /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

DropMessage(m) ==
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, logVars, leaderVars, durable, historyVars>>

----------------------------------------------------------------------------
Next ==
    \/ \E i \in Server :
          \/ Restart(i) \/ Persist(i) \/ Timeout(i) \/ BecomeCandidate(i)
          \/ BecomeLeader(i) \/ AdvanceCommitIndex(i) \/ Compact(i)
          \/ Elapse(i) \/ CheckQuorumStepDown(i) \/ LeaveJoint(i)
    \/ \E i \in Server, v \in Value : ClientRequest(i, v)
    \/ \E i \in Server, c \in SUBSET Server : ProposeConfig(i, c)
    \/ \E i, j \in Server :
          \/ RequestVote(i, j) \/ AppendEntries(i, j) \/ SendSnapshot(i, j)
    \/ \E m \in ValidMessage(messages) :
          \/ Receive(m) \/ DuplicateMessage(m) \/ DropMessage(m)

Spec == Init /\ [][Next]_vars

\* Bounds for TLC (used as a CONSTRAINT in the .cfg models).
StateConstraint ==
    /\ \A i \in Server : currentTerm[i] <= MaxTerm /\ LastIndex(i) <= MaxLogLen
    /\ \A m \in DOMAIN messages : messages[m] <= MaxMsgCount

----------------------------------------------------------------------------
(* Invariants: the names of core/raft/invariants/invariants.h *)

\* At most one leader per term, now and in history (§5.2).
ElectionSafety ==
    /\ \A e1, e2 \in elections : e1.eterm = e2.eterm => e1.eleader = e2.eleader
    /\ \A i, j \in Server :
          (state[i] = Leader /\ state[j] = Leader /\ currentTerm[i] = currentTerm[j])
              => i = j

\* Same index and term => identical prefixes (§5.3).
LogMatching ==
    \A i, j \in Server :
        \A idx \in (Max({snapIndex[i], snapIndex[j]}) + 1)..Min({LastIndex(i), LastIndex(j)}) :
            EntryAt(i, idx).term = EntryAt(j, idx).term =>
                \A k \in (Max({snapIndex[i], snapIndex[j]}) + 1)..idx :
                    EntryAt(i, k) = EntryAt(j, k)

\* An entry committed in term T is in the log of every leader of a later
\* term (§5.4).
LeaderCompleteness ==
    \A i \in Server : state[i] = Leader =>
        \A c \in committed :
            (c.cterm < currentTerm[i] /\ c.cindex > snapIndex[i]) =>
                /\ HasEntry(i, c.cindex)
                /\ EntryAt(i, c.cindex) = c.centry

\* No two different entries are ever committed at one index, and nodes
\* agree on what they consider committed (§5.4.3).
StateMachineSafety ==
    /\ \A c1, c2 \in committed : c1.cindex = c2.cindex => c1.centry = c2.centry
    /\ \A i, j \in Server :
          \A idx \in (Max({snapIndex[i], snapIndex[j]}) + 1)..Min({commitIndex[i], commitIndex[j]}) :
              EntryAt(i, idx) = EntryAt(j, idx)

\* Every quorum of a node's configuration holds its committed prefix, in
\* memory (QuorumLogInv) and durably (CommittedIsDurable).
QuorumLogInv ==
    \A i \in Server : \A Q \in SUBSET Voters(Config(i)) :
        IsQuorum(Q, Config(i)) =>
            \E j \in Q : HoldsPrefix(snapIndex[j], log[j], i, commitIndex[i])

CommittedIsDurable ==
    \A i \in Server : \A Q \in SUBSET Voters(Config(i)) :
        IsQuorum(Q, Config(i)) =>
            \E j \in Q : HoldsPrefix(durable[j].snapIndex, durable[j].log, i,
                                     commitIndex[i])

(* Properties over steps (checked by TLC as PROPERTIES). *)

\* A leader never overwrites or deletes its own entries in its term.
LeaderAppendOnly ==
    [][\A i \in Server :
         (state[i] = Leader /\ state'[i] = Leader /\
          currentTerm'[i] = currentTerm[i]) =>
             \A idx \in (Max({snapIndex[i], snapIndex'[i]}) + 1)..LastIndex(i) :
                 /\ idx <= snapIndex'[i] + Len(log'[i])
                 /\ log'[i][idx - snapIndex'[i]] = log[i][idx - snapIndex[i]]]_vars

\* Durable terms never decrease; a node's term is never below its durable
\* term.
MonotonicTerm ==
    [][\A i \in Server :
         /\ durable'[i].term >= durable[i].term
         /\ currentTerm'[i] >= durable'[i].term]_vars

\* Durable commit indexes never decrease.
MonotonicCommit ==
    [][\A i \in Server : durable'[i].commit >= durable[i].commit]_vars

=============================================================================
