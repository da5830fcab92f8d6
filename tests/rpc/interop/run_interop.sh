#!/usr/bin/env bash
# grpc-go interop for rpc/, both ways, on loopback with free ports:
#   1. grpc-go's client against grpc-go's server (proves the checks);
#   2. grpc-go's client against our rpc::Server on the runtime
#      (interop_server: EpollLoop + TcpNetwork);
#   3. our rpc::Channel on the runtime (interop_client) against grpc-go's
#      server.
# Each side makes the same checks (grpcgo/client.go, interop_checks.cc):
# unary, the three streaming kinds, status codes with messages, deadlines,
# cancellation, 3 and 8 MiB messages, oversized ones refused, unknown
# methods, health. The Go program (grpc-go v1.43.0, the version client-go
# v2.0.4 pins) is built here from the Go module proxy.
#
#   tests/rpc/interop/run_interop.sh          (tools/test.sh runs it)
#
# The C++ binaries are built with Bazel unless INTEROP_SERVER and
# INTEROP_CLIENT name them. Every step is bounded by `timeout`; the servers
# started here are stopped by pid on exit. Exits 0 only if all three pass.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/tools/go_env.sh"
source "$root/tools/procs.sh"
go_require run_interop || exit 2
procs_init

if [[ -z "${INTEROP_SERVER:-}" || -z "${INTEROP_CLIENT:-}" ]]; then
  (cd "$root" && bazel build --noshow_progress //tests/rpc/interop:interop_server \
    //tests/rpc/interop:interop_client)
  bin="$(cd "$root" && bazel info bazel-bin 2>/dev/null)/tests/rpc/interop"
  INTEROP_SERVER="$bin/interop_server"
  INTEROP_CLIENT="$bin/interop_client"
fi
go_build "$here/grpcgo" "$procs_dir/grpcgo"

status=0
echo "== 1. grpc-go client -> grpc-go server (the checks themselves)"
timeout 120 "$procs_dir/grpcgo" self || status=1

echo "== 2. grpc-go client -> our server (rpc::Server on EpollLoop + TcpNetwork)"
proc_start ours "$INTEROP_SERVER" --listen=127.0.0.1:0
echo "our server on $address"
timeout 120 "$procs_dir/grpcgo" client "$address" || status=1
# A graceful stop on SIGTERM, exit status 0 (under ASan: no leak, no error).
if ! proc_stop ours 30; then
  echo "FAIL our server did not stop cleanly on SIGTERM:"
  cat "$procs_dir/ours.out"
  status=1
else
  echo "PASS our server stopped cleanly on SIGTERM"
fi

echo "== 3. our client (rpc::Channel on EpollLoop + TcpNetwork) -> grpc-go server"
proc_start grpcgo "$procs_dir/grpcgo" server 127.0.0.1:0
echo "grpc-go server on $address"
timeout 120 "$INTEROP_CLIENT" "$address" || status=1

if [[ $status -eq 0 ]]; then
  echo "run_interop: all three directions passed"
else
  echo "run_interop: FAILED (see the FAIL lines above)"
fi
exit $status
