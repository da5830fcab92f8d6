#!/usr/bin/env bash
# The binaries' refusals, on real processes: unknown flags, bad addresses
# and values, --config, each exiting 2 with a message naming the flag; a
# second process on a locked data dir refused (exit 1) while the first
# holds it; an address in use; --help; SIGTERM ending a pd-server with
# status 0 within a bound. Run by Bazel (sh_test) with PD_SERVER and
# TIKV_SERVER set, or by hand with them pointing at built binaries.
set -uo pipefail
root="${TEST_SRCDIR:+$TEST_SRCDIR/${TEST_WORKSPACE:-__main__}}"
root="${root:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$root/tools/procs.sh"
procs_init
pd="$root/$PD_SERVER"
tikv="$root/$TIKV_SERVER"
[[ -x "$pd" ]] || pd="$PD_SERVER"
[[ -x "$tikv" ]] || tikv="$TIKV_SERVER"

passed=0
failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# expect NAME STATUS PATTERN COMMAND...: COMMAND exits STATUS and its
# output matches PATTERN (grep -E).
expect() {
  local name="$1" want="$2" pattern="$3" out got
  shift 3
  out="$(timeout 20 "$@" 2>&1)"
  got=$?
  if [[ $got -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
    ok "$name"
  else
    bad "$name: exit $got (want $want), output: $out"
  fi
}

d="$procs_dir"
for bin in pd tikv; do
  b="${!bin}"
  expect "$bin: unknown flag" 2 'unknown flag --bogus' "$b" --bogus=1
  expect "$bin: flag without value" 2 'flag --log-level needs a value' \
    "$b" --log-level
  expect "$bin: bad log level" 2 '"loud" for --log-level' "$b" --log-level=loud
  expect "$bin: --config not supported" 2 '--config is not supported yet' \
    "$b" --config=x.toml
  expect "$bin: positional argument" 2 'unexpected argument "extra"' "$b" extra
  expect "$bin: --help" 0 'usage: .*-server' "$b" --help
done
expect "pd: bad client URL host" 2 '"http://1.2.3:9" for --client-urls' \
  "$pd" --client-urls=http://1.2.3:9 --data-dir="$d/x"
expect "pd: bad peer URL port" 2 '--peer-urls: the port' \
  "$pd" --peer-urls=http://127.0.0.1:99999 --data-dir="$d/x"
expect "pd: other scheme" 2 '--client-urls: want http://host:port' \
  "$pd" --client-urls=https://127.0.0.1:1 --data-dir="$d/x"
expect "pd: --initial-cluster without this member" 2 'does not name this member' \
  "$pd" --name=a --initial-cluster=b=http://127.0.0.1:2380 --data-dir="$d/x"
expect "tikv: bad --addr" 2 '"127.0.0.1:port" for --addr' \
  "$tikv" --addr=127.0.0.1:port --data-dir="$d/x"
expect "tikv: bad --pd" 2 'for --pd' "$tikv" --pd=nowhere --data-dir="$d/x"

# A pd-server holding its data dir: a second one is refused, and so is a
# server on its address.
client="$(free_port)"
peer="$(free_port)"
if proc_start pd1 "$pd" --data-dir="$d/pd1" \
  --client-urls="http://127.0.0.1:$client" --peer-urls="http://127.0.0.1:$peer"; then
  ok "pd: serving line ($address)"
  expect "pd: locked data dir" 1 "data dir $d/pd1 is in use by another process \\(pid [0-9]+" \
    "$pd" --data-dir="$d/pd1" --client-urls="http://127.0.0.1:$(free_port)" \
    --peer-urls="http://127.0.0.1:$(free_port)"
  expect "pd: client address in use" 1 "cannot listen on --client-urls 127.0.0.1:$client" \
    "$pd" --data-dir="$d/pd2" --client-urls="http://127.0.0.1:$client" \
    --peer-urls="http://127.0.0.1:$(free_port)"
  # A tikv-server waiting for a PD that is not there holds its dir too.
  kv="$(free_port)"
  "$tikv" --pd="127.0.0.1:$(free_port)" --addr="127.0.0.1:$kv" \
    --data-dir="$d/kv1" >"$d/kv1.out" 2>&1 &
  proc_pids[kv1]=$!
  for _ in $(seq 1 50); do [[ -s "$d/kv1/LOCK" ]] && break; sleep 0.1; done
  expect "tikv: locked data dir" 1 "data dir $d/kv1 is in use by another process" \
    "$tikv" --pd="127.0.0.1:$client" --addr="127.0.0.1:$(free_port)" \
    --data-dir="$d/kv1"
  if proc_stop pd1 15; then ok "pd: SIGTERM stops it with status 0"; else bad "pd: SIGTERM"; fi
  if proc_stop kv1 15; then ok "tikv: SIGTERM while joining stops it with status 0"; else bad "tikv: SIGTERM while joining"; fi
else
  bad "pd: did not start"
fi
echo "bad_input_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
