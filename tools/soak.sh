#!/usr/bin/env bash
# The full-size acceptance runs, too large for every CI run (tools/test.sh
# runs a short sweep instead). Optimised, each printing its own figures and
# failing on a missed target:
#   - PD convergence: 8 stores, 1,000 regions, simple and joint membership
#   - jepsen checkers: 100,000-op partitioned kv history < 1 s, 10-client
#     400-op kv history < 30 s, SI checker >= 100,000 list-append txn/s;
#     linearizability against Porcupine on 27 generated kv histories (10-100
#     clients, valid / stale read / lost append): same verdicts, ours faster
#   - Raft explorer: 3 nodes, terms <= 2, one proposal, one crash, message
#     loss, two in flight: must be exhausted with no invariant violated
#   - simulator (issue 4): 10,000 seeds of the register workload with every
#     fault class enabled, and 2,000 swarm seeds (each class drawn per
#     seed): no failure, and determinism samples whose reruns match their
#     trace hashes
#   - PD (issue 13): 10,000 seeds of the PD workload (members over gRPC,
#     every fault class), no failure (about 50 min on 2 cores)
#   - the whole cluster (issues 12, 14, 16): 10,000 seeds of the cluster
#     workload (sim/cluster), no failure (about 80 min on 2 cores)
set -uo pipefail
cd "$(dirname "$0")/.."
bazel build --config=opt //pd/tools:convergence //jepsen/bench:linear_bench \
  //jepsen/bench:elle_bench //spec/raft:raft_explorer //sim/runner:sim || exit 1
status=0
run() {
  local start=$SECONDS
  echo "--- $*"
  "$@" || { echo "soak: FAILED: $*"; status=1; }
  echo "--- $((SECONDS - start)) s"
}
run bazel-bin/pd/tools/convergence --seed=1 --stores=8 --regions=1000
run bazel-bin/pd/tools/convergence --seed=2 --stores=10 --regions=1200 --joint
run bazel-bin/jepsen/bench/linear_bench
run bazel-bin/jepsen/bench/elle_bench
run tools/linear_vs_porcupine.sh
run bazel-bin/spec/raft/raft_explorer --max_term=2 --proposals=1 --crashes=1 \
  --duplicates=0 --in_flight=2 --require_exhausted
run bazel-bin/sim/runner/sim --seeds=1..10000 --workers=2 --faults=all \
  --determinism_sample=100
run bazel-bin/sim/runner/sim --seeds=1..2000 --workers=2 --determinism_sample=20
run bazel-bin/sim/runner/sim --workload=pd --seeds=1..10000 --workers=2 \
  --faults=all --determinism_sample=100
run bazel-bin/sim/runner/sim --workload=cluster --seeds=1..10000 --workers=2 \
  --determinism_sample=100
echo "soak: $([[ $status -eq 0 ]] && echo passed || echo FAILED)"
exit $status
