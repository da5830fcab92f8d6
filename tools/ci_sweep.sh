#!/usr/bin/env bash
# The simulator sweep and acceptance checks every CI run makes, sized to take
# a few minutes on 2 cores (optimised build): the register workload, the
# PD workload and the whole-cluster workload. The full-size runs (10,000
# seeds with every fault class, 2,000 swarm seeds, PD convergence over 1,000+
# regions, the checkers' throughput targets, the Raft explorer exhausting
# terms <= 2) are tools/soak.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
bazel build --config=opt //sim/runner:sim || exit 1
status=0
run() {
  local start=$SECONDS
  echo "--- $*"
  "$@" || { echo "ci_sweep: FAILED: $*"; status=1; }
  echo "--- $((SECONDS - start)) s"
}
run bazel-bin/sim/runner/sim --seeds=1..2000 --workers=2 --faults=all \
  --determinism_sample=20
run bazel-bin/sim/runner/sim --seeds=1..1000 --workers=2 --determinism_sample=10
# The PD workload (3 or 5 members over gRPC, every fault class): about a
# minute on 2 cores; the 10,000 seeds are tools/soak.sh's.
run bazel-bin/sim/runner/sim --workload=pd --seeds=1..200 --workers=2 \
  --faults=all --determinism_sample=10
# The whole cluster (3 PD members, 3-5 stores, raw clients, splits and
# scatters, every fault class but corruption, swarm): about 3 minutes on 2
# cores; the 10,000 seeds are tools/soak.sh's.
run bazel-bin/sim/runner/sim --workload=cluster --seeds=1..250 --workers=2 \
  --determinism_sample=10
exit $status
