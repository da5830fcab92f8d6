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
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/tools/go_env.sh"
source "$root/tools/procs.sh"
go_require run_bench || exit 2
procs_init

(cd "$root" && bazel build --noshow_progress --config=opt //tests/rpc/interop:interop_server)
server="$(cd "$root" && bazel info --config=opt bazel-bin 2>/dev/null)/tests/rpc/interop/interop_server"
go_build "$here/grpcgo" "$procs_dir/grpcgo"

proc_start ours "$server" --listen=127.0.0.1:0
ours="$address"
proc_start grpcgo "$procs_dir/grpcgo" server 127.0.0.1:0
theirs="$address"
echo "== ours (rpc::Server, EpollLoop + TcpNetwork) at $ours, ${seconds} s per line"
timeout 120 "$procs_dir/grpcgo" bench "$ours" "$seconds" | tee "$procs_dir/ours.txt"
echo "== grpc-go server at $theirs"
timeout 120 "$procs_dir/grpcgo" bench "$theirs" "$seconds" | tee "$procs_dir/theirs.txt"
echo "== ratio ours / grpc-go (throughput; >1 means ours is faster)"
paste -d'\n' "$procs_dir/ours.txt" "$procs_dir/theirs.txt" | awk '
  { match($0, /rate=[0-9.]+/); rate = substr($0, RSTART + 5, RLENGTH - 5)
    split($0, f, " "); label = f[1] (f[2] ~ /^callers/ ? " " f[2] : "") }
  NR % 2 == 1 { ours = rate; next }
  { printf "%-18s %.2f\n", label, (rate > 0 ? ours / rate : 0) }'
