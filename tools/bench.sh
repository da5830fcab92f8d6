#!/usr/bin/env bash
# Builds every benchmark (targets named *_bench) optimised and runs each,
# printing its numbers, then our linearizability checker against Porcupine
# (tools/linear_vs_porcupine.sh) and the loopback gRPC benchmark, our server
# against grpc-go's (tests/rpc/interop/run_bench.sh). Extra arguments (e.g.
# --quick) go to every benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t targets < <(bazel query --noshow_progress 'attr(name, "_bench$", kind(cc_binary, //...))' 2>/dev/null)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "bench: no benchmarks defined yet"
  exit 0
fi
bazel build --config=opt "${targets[@]}" || exit 1
status=0
for target in "${targets[@]}"; do
  binary="bazel-bin/$(echo "${target#//}" | tr ':' '/')"
  echo "--- $target $*"
  "$binary" "$@" || { echo "bench: $target FAILED"; status=1; }
done
echo "--- tools/linear_vs_porcupine.sh $*"
tools/linear_vs_porcupine.sh "$@" || { echo "bench: linear_vs_porcupine FAILED"; status=1; }
echo "--- tests/rpc/interop/run_bench.sh $*"
tests/rpc/interop/run_bench.sh "$@" || { echo "bench: rpc loopback FAILED"; status=1; }
exit $status
