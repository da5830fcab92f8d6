#!/usr/bin/env bash
# Stock client-go v2.0.4 against our real binaries: builds pd-server and
# tikv-server with Bazel and the Go program clientgo/ from the Go module
# proxy, starts 1 pd-server and 1 tikv-server on loopback with free ports,
# and runs (each bounded by `timeout`):
#   1. the rawkv cases with BatchCommands and unary, and txnkv
#      Begin/Set/Commit/Get (clientgo -txn);
#   2. tikv-server stopped with SIGTERM (must exit 0) and started again on
#      the same data dir: it must not bootstrap again, and clientgo
#      -verify-kept must read back what step 1 wrote;
#   3. a new cluster of 3 pd-server members and 1 tikv-server, clientgo
#      -txn given one follower-or-leader member's address;
#   4. a new cluster of 1 pd-server and 3 tikv-servers: once the first
#      region has 3 voters (ctl), clientgo -stores3 (forced splits, scans
#      across regions, BatchDelete, DeleteRange, ReverseScan with limits,
#      CompareAndSwap, TTL, Checksum); the first store stopped with SIGTERM
#      and clientgo -verify-kept3 reading every region without it; the
#      store started again on its data dir and read through once more.
# Every process started here is killed by pid on exit (tools/procs.sh).
#
#   tests/interop/run_client_go.sh        (tools/test.sh runs it)
#
# PD_SERVER, TIKV_SERVER and CTL name prebuilt binaries instead. KEEP_PROCS_DIR=1
# keeps the servers' logs and data. Exits 0 only if every case passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/tools/go_env.sh"
source "$root/tools/procs.sh"
go_require run_client_go || exit 2
procs_init

if [[ -z "${PD_SERVER:-}" || -z "${TIKV_SERVER:-}" || -z "${CTL:-}" ]]; then
  (cd "$root" && bazel build --noshow_progress //runtime/bin:pd-server \
    //runtime/bin:tikv-server //runtime/bin:ctl)
  bin="$(cd "$root" && bazel info bazel-bin 2>/dev/null)/runtime/bin"
  # Copies, so that a build during the run cannot change what is tested.
  cp "$bin/pd-server" "$bin/tikv-server" "$bin/ctl" "$procs_dir/"
  PD_SERVER="$procs_dir/pd-server"
  TIKV_SERVER="$procs_dir/tikv-server"
  CTL="$procs_dir/ctl"
fi
go_build "$here/clientgo" "$procs_dir/clientgo" 600

pd_client="$(free_port)"
pd_peer="$(free_port)"
kv_addr="$(free_port)"
kv_raft="$(free_port)"
proc_start pd "$PD_SERVER" --name=pd1 --data-dir="$procs_dir/pd1" \
  --client-urls="http://127.0.0.1:$pd_client" \
  --peer-urls="http://127.0.0.1:$pd_peer" --log-file="$procs_dir/pd1.log"
echo "pd-server serving on $address"
start_tikv() {
  proc_start tikv "$TIKV_SERVER" --pd="127.0.0.1:$pd_client" \
    --addr="127.0.0.1:$kv_addr" --raft-addr="127.0.0.1:$kv_raft" \
    --data-dir="$procs_dir/tikv1" --log-file="$procs_dir/tikv1.log"
  echo "tikv-server serving on $address"
}
start_tikv

status=0
fail() {
  local log
  echo "FAIL $1"
  for log in "$procs_dir"/*.log; do
    echo "--- $(basename "$log") (last 20 lines)"
    tail -20 "$log"
  done
  status=1
}
# clientgo prints its PASS/FAIL lines and client-go's warnings on stdout;
# its stderr goes to clientgo.err.
run_clientgo() {
  timeout 180 "$procs_dir/clientgo" -pd "127.0.0.1:$pd_client" -timeout 60s \
    "$@" 2>"$procs_dir/clientgo.err"
}

echo "== 1. rawkv (BatchCommands, unary) and txnkv"
run_clientgo -txn || fail "clientgo (see above)"

echo "== 2. tikv-server restart on the same data dir"
if proc_stop tikv 30; then
  echo "PASS tikv-server stopped cleanly on SIGTERM"
else
  fail "tikv-server did not stop cleanly on SIGTERM"
fi
start_tikv
if [[ "$(grep -c 'bootstrapped the cluster' "$procs_dir/tikv1.log")" -eq 1 ]] &&
  grep -q '(joined)' "$procs_dir/tikv1.log"; then
  echo "PASS tikv-server recovered its store without a second bootstrap"
else
  fail "tikv-server bootstrapped again (or did not say how it joined)"
fi
run_clientgo -txn -verify-kept || fail "clientgo -verify-kept"
if proc_stop tikv 30 && proc_stop pd 30; then
  echo "PASS both servers stopped cleanly on SIGTERM"
else
  fail "a server did not stop cleanly on SIGTERM"
fi

echo "== 3. three pd-server members"
declare -a clients=() peers=() cluster=() client_urls=()
for i in 1 2 3; do
  clients[i]="$(free_port)"
  peers[i]="$(free_port)"
  cluster+=("pd$i=http://127.0.0.1:${peers[i]}")
  client_urls+=("pd$i=http://127.0.0.1:${clients[i]}")
done
for i in 1 2 3; do
  proc_start "pd$i" "$PD_SERVER" --name="pd$i" --data-dir="$procs_dir/3pd$i" \
    --client-urls="http://127.0.0.1:${clients[i]}" \
    --peer-urls="http://127.0.0.1:${peers[i]}" \
    --initial-cluster="$(IFS=,; echo "${cluster[*]}")" \
    --initial-cluster-client-urls="$(IFS=,; echo "${client_urls[*]}")" \
    --log-file="$procs_dir/3pd$i.log"
done
pd_client="${clients[2]}"
proc_start tikv "$TIKV_SERVER" \
  --pd="127.0.0.1:${clients[1]},127.0.0.1:${clients[2]},127.0.0.1:${clients[3]}" \
  --addr="127.0.0.1:$(free_port)" --raft-addr="127.0.0.1:$(free_port)" \
  --data-dir="$procs_dir/3tikv1" --log-file="$procs_dir/3tikv1.log"
echo "3 pd-server members and a tikv-server serving on $address"
run_clientgo -txn || fail "clientgo against three PD members"
stopped=1
for name in tikv pd1 pd2 pd3; do proc_stop "$name" 30 || stopped=0; done
if [[ $stopped -eq 1 ]]; then
  echo "PASS all four servers stopped cleanly on SIGTERM"
else
  fail "a server did not stop cleanly on SIGTERM"
fi

echo "== 4. one pd-server and three tikv-servers, the first store restarted"
pd_client="$(free_port)"
proc_start pd "$PD_SERVER" --name=pd1 --data-dir="$procs_dir/4pd1" \
  --client-urls="http://127.0.0.1:$pd_client" \
  --peer-urls="http://127.0.0.1:$(free_port)" --log-file="$procs_dir/4pd1.log"
declare -a kv4=() raft4=()
start_store4() {
  proc_start "tikv$1" "$TIKV_SERVER" --pd="127.0.0.1:$pd_client" \
    --addr="127.0.0.1:${kv4[$1]}" --raft-addr="127.0.0.1:${raft4[$1]}" \
    --data-dir="$procs_dir/4tikv$1" --log-file="$procs_dir/4tikv$1.log"
}
for i in 1 2 3; do
  kv4[i]="$(free_port)"
  raft4[i]="$(free_port)"
  start_store4 "$i"
done
replicated=0
for ((t = 0; t < 300; ++t)); do
  if "$CTL" --pd "127.0.0.1:$pd_client" region list 1 2>/dev/null |
    grep -q 'peers [0-9]*@store[0-9]* [0-9]*@store[0-9]* [0-9]*@store[0-9]* leader'; then
    replicated=1
    break
  fi
  sleep 0.1
done
if [[ $replicated -eq 1 ]]; then
  echo "PASS the first region has 3 voters ($((t / 10)).$((t % 10)) s after the stores served)"
else
  fail "the first region did not get 3 voters within 30 s"
fi
run_clientgo -stores3 || fail "clientgo -stores3"
if proc_stop tikv1 30; then
  echo "PASS the first tikv-server stopped cleanly on SIGTERM"
else
  fail "the first tikv-server did not stop cleanly on SIGTERM"
fi
run_clientgo -verify-kept3 store1-down || fail "clientgo with the first store down"
start_store4 1
run_clientgo -verify-kept3 store1-back || fail "clientgo with the first store back"
stopped=1
for name in tikv1 tikv2 tikv3 pd; do proc_stop "$name" 30 || stopped=0; done
if [[ $stopped -eq 1 ]]; then
  echo "PASS all four servers stopped cleanly on SIGTERM"
else
  fail "a server did not stop cleanly on SIGTERM"
fi

if [[ $status -eq 0 ]]; then
  echo "run_client_go: all passed"
else
  echo "run_client_go: FAILED (see the FAIL lines above)"
fi
exit $status
