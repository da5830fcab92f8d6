#!/usr/bin/env bash
# Issue 22, against the sim binary: each bad input ends with the documented
# exit status (2: bad command line or unwritable output, before any run
# where it can be) and a message naming the flag, the value and its range,
# or the path and the errno. Never a CHECK abort (134), a wrap-around or a
# silent success. Usage: bad_input_test.sh <path to sim>
set -uo pipefail
SIM="$1"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

# expect <status> <text the output must contain> <sim args...>
expect() {
  local want_status="$1" want_text="$2"
  shift 2
  "$SIM" "$@" >"$TMP/out" 2>"$TMP/err"
  local status=$?
  if [[ $status -ne $want_status ]]; then
    echo "FAIL: sim $* exited $status, want $want_status"
    head -c 2000 "$TMP/err"
    failures=$((failures + 1))
  elif ! grep -qF -- "$want_text" "$TMP/out" "$TMP/err"; then
    echo "FAIL: sim $*: output lacks: $want_text"
    head -c 2000 "$TMP/out" "$TMP/err"
    failures=$((failures + 1))
  else
    echo "ok: sim $* -> $status"
  fi
}

# Nothing ran: no "sim <options>" header, no sweep line.
expect_no_run() {
  if [[ -s "$TMP/out" ]]; then
    echo "FAIL: a run started: $(head -c 300 "$TMP/out")"
    failures=$((failures + 1))
  fi
}

# --workers=0 or -1 aborted on a CHECK (exit 134).
expect 2 "--workers: got '0', want a count in [1, 1024]" --seeds=1..10 --workers=0
expect_no_run
expect 2 "--workers: got '-1', want a count in [1, 1024]" --seeds=1..10 --workers=-1
expect 2 "--workers: got '1025'" --seed=1 --workers=1025
expect 2 "--run_timeout_seconds: got 'nan'" --seed=1 --run_timeout_seconds=nan
expect 2 "--determinism_sample: got '-5'" --seeds=1..3 --determinism_sample=-5
expect 2 "--expect_shrunk_percent_at_most: got '150'" --seed=1 --shrink \
  --expect_shrunk_percent_at_most=150
expect 2 "--safety_seconds: got '-3', want whole seconds in [0, 1000000]" \
  --seed=1 --safety_seconds=-3
expect 2 "--nodes: got '10'" --seed=1 --nodes=10
# A value that is not a number of the flag's type is the flags library's
# to refuse (status 1, its own message).
expect 1 "Illegal value 'abc' specified for flag 'workers'" --seed=1 --workers=abc

# Schedule times near 1e17 ms overflowed Duration (UBSan), and replayed as
# another time in an optimised build.
expect 2 "time '99999999999999999ms': want whole milliseconds in [0, 1000000000000]" \
  --seed=1 '--schedule=@99999999999999999ms crash 1'
expect_no_run
expect 2 "'99999999999999999ms': want whole milliseconds in [0, 1000000000000]" \
  --seed=1 '--schedule=@1ms pause 1 99999999999999999ms'
expect 2 "--schedule: cannot open '$TMP/no-such-schedule': No such file or directory (errno 2)" \
  --seed=1 "--schedule=$TMP/no-such-schedule"

# Values at the limits are valid and run to a verdict (pass or fail, never
# an abort or an overflow: this test also runs under ASan and UBSan).
limits='@1ms pause 1 1000000000000ms; @2ms jump 2 -1000000000000ms; '
limits+='@3ms jump 2 -1000000000000ms; @4ms clog 3 1000000000000ms; '
limits+='@5ms delay 1000000000000ms 1000000000000ms; @6ms drift 1 -999999; '
limits+='@7ms crash 2 1000000000000ms; @1000000000000ms heal'
"$SIM" --seed=1 --nodes=3 --safety_seconds=1 --liveness_seconds=5 \
  "--schedule=$limits" >"$TMP/out" 2>"$TMP/err"
status=$?
if [[ $status -gt 1 ]] || ! grep -q "^result=" "$TMP/out"; then
  echo "FAIL: a schedule at the limits exited $status: $(tail -c 1000 "$TMP/err")"
  failures=$((failures + 1))
else
  echo "ok: a schedule at the limits ran to a verdict (exit $status)"
fi

# Seeds: a range past the 64-bit limit was accepted and looped forever.
expect 2 "--seeds: got '1..18446744073709551616', want A..B with A and B in [0, 18446744073709551615]" \
  --seeds=1..18446744073709551616
expect 2 "--seeds: got '5..1', want A..B with A <= B" --seeds=5..1
expect 2 "--seed: got '-1', want a seed in [0, 18446744073709551615]" --seed=-1
expect 2 "give --seed=N or --seeds=A..B, not both" --seed=1 --seeds=1..2
expect 2 "unexpected argument '7'" 7
# The top of the range ends after its last seed (no wrap to 0). Each run is
# cut off at once by the timeout, a failure of that seed.
expect 1 "sweep: 2 seeds, 2 failures" \
  --seeds=18446744073709551614..18446744073709551615 --workers=2 \
  --run_timeout_seconds=0.001
# A huge range starts at once and stays small (it built every job first:
# 4.4 GB in 10 s); the first failure stops it.
time_binary=/usr/bin/time
if [[ -x "$time_binary" ]]; then
  expect 1 "sweep seeds 1..18446744073709551614 (18446744073709551614 runs)" \
    --seeds=1..18446744073709551614 --workers=1 --stop_at_first_failure \
    --run_timeout_seconds=0.001
  "$time_binary" -f '%M' -o "$TMP/rss" "$SIM" --seeds=1..18446744073709551614 \
    --workers=1 --stop_at_first_failure --run_timeout_seconds=0.001 \
    >/dev/null 2>&1
  rss_kb=$(tail -n 1 "$TMP/rss")
  if [[ $rss_kb -gt 400000 ]]; then
    echo "FAIL: a sweep of 2^64 - 2 seeds peaked at ${rss_kb} KB"
    failures=$((failures + 1))
  else
    echo "ok: a sweep of 2^64 - 2 seeds peaked at ${rss_kb} KB"
  fi
else
  expect 1 "sweep seeds 1..18446744073709551614 (18446744073709551614 runs)" \
    --seeds=1..18446744073709551614 --workers=1 --stop_at_first_failure \
    --run_timeout_seconds=0.001
fi

# --history_out naming an unwritable path or a directory exited 0 having
# written nothing: now refused before the run, with the path and errno.
expect 2 "--history_out: cannot create '/nonexistent-dir/h.jsonl': No such file or directory (errno 2)" \
  --seed=1 --history_out=/nonexistent-dir/h.jsonl
expect_no_run
expect 2 "--history_out: cannot create '$TMP': Is a directory (errno 21)" \
  --seed=1 "--history_out=$TMP"
expect_no_run
expect 2 "--history_out records one run" --seeds=1..2 --history_out="$TMP/h.jsonl"
# A write that fails after the run is an error too.
short_run=(--seed=3 --safety_seconds=1 --liveness_seconds=10)
expect 2 "--history_out: cannot write '/dev/full': No space left on device (errno 28)" \
  "${short_run[@]}" --history_out=/dev/full
# And a writable path gets the history.
expect 0 "result=pass" "${short_run[@]}" --history_out="$TMP/h.jsonl"
if ! grep -q '"type":"invoke"' "$TMP/h.jsonl"; then
  echo "FAIL: --history_out=$TMP/h.jsonl holds no history"
  failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
  echo "bad_input_test: $failures failure(s)"
  exit 1
fi
echo "bad_input_test: every case passed"
