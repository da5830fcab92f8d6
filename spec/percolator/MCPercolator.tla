---------------------------- MODULE MCPercolator ----------------------------
(***************************************************************************)
(* Model values and key assignments for TLC. Every configuration uses the *)
(* same transactions' keys; the .cfg files decide which transactions run  *)
(* and of what kind:                                                       *)
(*   t1 writes {k1, k2} (primary k1)                                        *)
(*   t2 writes {k2, k1} (primary k2)                                        *)
(*   t3 writes {k1}     (primary k1)                                        *)
(*   r1 reads  {k1, k2}                                                     *)
(***************************************************************************)
EXTENDS Percolator, TLC

CONSTANTS k1, k2, t1, t2, t3, r1

MC_Keys == {k1, k2}
MC_TxnKeys == (t1 :> {k1, k2}) @@ (t2 :> {k1, k2}) @@ (t3 :> {k1})
MC_TxnPrimary == (t1 :> k1) @@ (t2 :> k2) @@ (t3 :> k1)
MC_ReaderKeys == (r1 :> {k1, k2})
=============================================================================
