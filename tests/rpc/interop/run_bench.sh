#!/usr/bin/env bash
# The loopback benchmark: the same grpc-go client (grpcgo/bench.go), the
# same messages, against our rpc::Server on the runtime (interop_server,
# optimised build) and against grpc-go's server, in one run: unary round
# trips per second with p50/p99 at 1 and 64 concurrent callers, and
# server-streaming messages per second; then our/grpc-go ratios.
# Printed, not asserted. Both servers share the machine with the client.
#
#   tests/rpc/interop/run_bench.sh [--quick]     (tools/bench.sh runs it)
set -euo pipefail
seconds=3
[[ "${1:-}" == "--quick" ]] && seconds=1
command -v go >/dev/null || { echo "run_bench: needs the Go toolchain (go) on PATH"; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && bazel build --noshow_progress --config=opt //tests/rpc/interop:interop_server)
server="$(cd "$root" && bazel info --config=opt bazel-bin 2>/dev/null)/tests/rpc/interop/interop_server"
(cd "$here/grpcgo" && timeout 300 go build -o "$work/grpcgo" .)

start_server() {  # start_server NAME COMMAND...: sets $address
  local name="$1"
  shift
  "$@" >"$work/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    address="$(sed -n 's/^serving on //p' "$work/$name.out")"
    [[ -n "$address" ]] && return 0
    sleep 0.1
  done
  echo "run_bench: $name did not start"
  return 1
}

start_server ours "$server" --listen=127.0.0.1:0
ours="$address"
start_server grpcgo "$work/grpcgo" server 127.0.0.1:0
theirs="$address"
echo "== ours (rpc::Server, EpollLoop + TcpNetwork) at $ours, ${seconds} s per line"
timeout 120 "$work/grpcgo" bench "$ours" "$seconds" | tee "$work/ours.txt"
echo "== grpc-go server at $theirs"
timeout 120 "$work/grpcgo" bench "$theirs" "$seconds" | tee "$work/theirs.txt"
echo "== ratio ours / grpc-go (throughput; >1 means ours is faster)"
paste -d'\n' "$work/ours.txt" "$work/theirs.txt" | awk '
  { match($0, /rate=[0-9.]+/); rate = substr($0, RSTART + 5, RLENGTH - 5)
    split($0, f, " "); label = f[1] (f[2] ~ /^callers/ ? " " f[2] : "") }
  NR % 2 == 1 { ours = rate; next }
  { printf "%-18s %.2f\n", label, (rate > 0 ? ours / rate : 0) }'
