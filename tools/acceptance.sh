#!/usr/bin/env bash
# Runs the acceptance-scale simulations that are too large for unit tests,
# optimised, each printing its own figures and failing on a missed target:
#   - PD convergence: 8 stores, 1,000 regions, simple and joint membership
set -uo pipefail
cd "$(dirname "$0")/.."
bazel build --config=opt //pd/tools:convergence_sim || exit 1
status=0
run() {
  echo "--- $*"
  "$@" || { echo "acceptance: FAILED: $*"; status=1; }
}
run bazel-bin/pd/tools/convergence_sim --seed=1 --stores=8 --regions=1000
run bazel-bin/pd/tools/convergence_sim --seed=2 --stores=10 --regions=1200 --joint
exit $status
