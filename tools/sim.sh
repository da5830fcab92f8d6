#!/usr/bin/env bash
# The simulator sweep (see README.md): a seeded simulation sweep of the replicated
# register. Each seed runs a 3-5 node Raft group with clients doing get / put /
# compare-and-swap under network, process, clock and storage faults, checks the
# Raft invariants after every step, heals, requires convergence, and checks the
# history for linearizability. Failures are listed with the command that
# replays them; a sample of seeds is rerun to prove determinism.
#
#   tools/sim.sh                 seeds 1..200
#   SEEDS=1..10000 tools/sim.sh  any range
#   WORKERS=4 tools/sim.sh       worker processes (default: 2)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel build --config=opt //sim/runner:sim
exec bazel-bin/sim/runner/sim --seeds="${SEEDS:-1..200}" --workers="${WORKERS:-2}" \
  --determinism_sample=10
