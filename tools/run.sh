#!/usr/bin/env bash
# The playground (the README's first command): builds pd-server,
# tikv-server and ctl (optimised), starts a local cluster on loopback in the
# foreground, and stops every process it started (by pid) on Ctrl-C or
# SIGTERM. Prints the PD endpoint, each store's address and status URL, and
# one line "ready: ..." once the cluster serves (the first region has its
# replicas and a leader, and a raw put/get round trip through ctl worked).
#
#   tools/run.sh                      1 PD, 3 stores, data in ./playground-data
#   tools/run.sh --pd 3 --stores 5    other sizes
#   tools/run.sh --data DIR           another data folder (kept between runs)
#   tools/run.sh --free-ports         ports picked free instead of the defaults
#   tools/run.sh --no-build           use the binaries already built
#   PLAYGROUND_BIN=DIR tools/run.sh   binaries from DIR, no Bazel (tests)
#
# Default ports (PD's and TiKV's): PD i client 2379+2(i-1), peer 2380+2(i-1);
# store i gRPC 20160+(i-1), Raft 20260+(i-1), status 20180+(i-1). A port in
# use is an error naming it (exit 1). Logs go to DIR/logs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

pd_count=1
store_count=3
data="playground-data"
free_ports=0
build=1
usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
positive() {
  [[ "$2" =~ ^[1-9][0-9]?$ ]] || {
    echo "run.sh: bad value \"$2\" for $1: want 1..99" >&2
    exit 2
  }
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pd) positive --pd "${2:-}"; pd_count="$2"; shift 2 ;;
    --stores) positive --stores "${2:-}"; store_count="$2"; shift 2 ;;
    --data) [[ -n "${2:-}" ]] || usage; data="$2"; shift 2 ;;
    --free-ports) free_ports=1; shift ;;
    --no-build) build=0; shift ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -n "${PLAYGROUND_BIN:-}" ]]; then
  bin="$PLAYGROUND_BIN"
else
  if [[ $build -eq 1 ]]; then
    "$root/tools/setup.sh"
    (cd "$root" && bazel build -c opt --noshow_progress //runtime/bin:pd-server \
      //runtime/bin:tikv-server //runtime/bin:ctl)
  fi
  bin="$(cd "$root" && bazel info -c opt bazel-bin 2>/dev/null)/runtime/bin"
fi
for b in pd-server tikv-server ctl; do
  [[ -x "$bin/$b" ]] || { echo "run.sh: $bin/$b is not built" >&2; exit 1; }
done

source "$root/tools/procs.sh"
mkdir -p "$data"
data="$(cd "$data" && pwd)"
procs_init "$data/logs"
# Copies, so that a build while the playground runs changes nothing here.
mkdir -p "$data/bin"
cp "$bin/pd-server" "$bin/tikv-server" "$bin/ctl" "$data/bin/"
stop() {
  echo
  echo "stopping the playground"
  exit 0
}
trap stop INT TERM

port_in_use() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}
# port DEFAULT: DEFAULT if free (an error if not), or a free one.
port() {
  if [[ $free_ports -eq 1 ]]; then
    free_port
  elif port_in_use "$1"; then
    echo "run.sh: port $1 on 127.0.0.1 is in use (stop what holds it, or use --free-ports)" >&2
    return 1
  else
    echo "$1"
  fi
}

declare -a pd_client=() pd_peer=() cluster=() client_urls=()
for ((i = 1; i <= pd_count; ++i)); do
  pd_client[i]="$(port $((2379 + 2 * (i - 1))))"
  pd_peer[i]="$(port $((2380 + 2 * (i - 1))))"
  cluster+=("pd$i=http://127.0.0.1:${pd_peer[i]}")
  client_urls+=("pd$i=http://127.0.0.1:${pd_client[i]}")
done
declare -a kv_addr=() kv_raft=() kv_status=()
for ((i = 1; i <= store_count; ++i)); do
  kv_addr[i]="$(port $((20160 + i - 1)))"
  kv_raft[i]="$(port $((20260 + i - 1)))"
  kv_status[i]="$(port $((20180 + i - 1)))"
done
pd_list="$(for ((i = 1; i <= pd_count; ++i)); do printf '127.0.0.1:%s,' "${pd_client[i]}"; done)"
pd_list="${pd_list%,}"

for ((i = 1; i <= pd_count; ++i)); do
  proc_start "pd$i" "$data/bin/pd-server" --name="pd$i" \
    --data-dir="$data/pd$i" --client-urls="http://127.0.0.1:${pd_client[i]}" \
    --peer-urls="http://127.0.0.1:${pd_peer[i]}" \
    --initial-cluster="$(IFS=,; echo "${cluster[*]}")" \
    --initial-cluster-client-urls="$(IFS=,; echo "${client_urls[*]}")" \
    --log-file="$data/logs/pd$i.log"
  echo "pd$i: client http://$address (log $data/logs/pd$i.log)"
done
for ((i = 1; i <= store_count; ++i)); do
  proc_start "tikv$i" "$data/bin/tikv-server" --pd="$pd_list" \
    --addr="127.0.0.1:${kv_addr[i]}" --raft-addr="127.0.0.1:${kv_raft[i]}" \
    --status-addr="127.0.0.1:${kv_status[i]}" --data-dir="$data/tikv$i" \
    --log-file="$data/logs/tikv$i.log"
  echo "tikv$i: $address, status http://127.0.0.1:${kv_status[i]} (log $data/logs/tikv$i.log)"
done

ctl() { "$data/bin/ctl" --pd "127.0.0.1:${pd_client[1]}" "$@"; }
# The first region has min(3, stores) voters and a leader.
replicated() {
  python3 -c '
import json, sys
try:
    region = json.loads(sys.argv[2])["regions"][0]
except Exception:
    sys.exit(1)
voters = [p for p in region["peers"] if p["role"] == "Voter"]
sys.exit(0 if len(voters) >= int(sys.argv[1]) and region["leader"]["id"] else 1)
' "$1" "$(ctl --json region list 1 2>/dev/null || true)"
}
want_peers=$((store_count < 3 ? store_count : 3))
ready=0
for ((t = 0; t < 600; ++t)); do
  if replicated "$want_peers"; then
    stamp="$(date +%s%N)"
    if ctl raw put playground-ready "$stamp" >/dev/null 2>&1 &&
      [[ "$(ctl raw get playground-ready 2>/dev/null)" == "$stamp" ]]; then
      ready=1
      break
    fi
  fi
  sleep 0.1
done
if [[ $ready -ne 1 ]]; then
  echo "run.sh: the cluster did not become ready within 60 s (logs in $data/logs)" >&2
  exit 1
fi
echo "ready: PD 127.0.0.1:${pd_client[1]}, $store_count stores;" \
  "try $data/bin/ctl --pd 127.0.0.1:${pd_client[1]} raw get playground-ready (Ctrl-C stops)"

# In the foreground until a signal, or until a server exits on its own.
while true; do
  for name in "${!proc_pids[@]}"; do
    if ! kill -0 "${proc_pids[$name]}" 2>/dev/null; then
      echo "run.sh: $name exited; stopping (see $data/logs/$name.log)" >&2
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done
