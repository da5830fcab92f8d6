#!/usr/bin/env bash
# Issue 22, against the check binary: unrecognisable input, huge or binary
# tokens, empty histories and unwritable --html files end with the
# documented exit status (2) and a short, escaped message naming the line,
# or the path and the errno. Usage: bad_input_test.sh <path to check>
set -uo pipefail
CHECK="$1"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect <status> <text the output must contain> <check args...>
expect() {
  local want_status="$1" want_text="$2"
  shift 2
  "$CHECK" "$@" >"$TMP/out" 2>"$TMP/err"
  local status=$?
  if [[ $status -ne $want_status ]]; then
    fail "check $* exited $status, want $want_status: $(head -c 500 "$TMP/err")"
  elif ! grep -qF -- "$want_text" "$TMP/out" "$TMP/err"; then
    fail "check $*: output lacks: $want_text: $(head -c 500 "$TMP/err")"
  else
    echo "ok: check $* -> $status"
  fi
}

# The message is short and holds no raw control bytes.
expect_short_clean_message() {
  local bytes
  bytes=$(wc -c <"$TMP/err")
  if [[ $bytes -gt 400 ]]; then
    fail "a ${bytes}-byte message: $(head -c 300 "$TMP/err")"
  fi
  if [[ $(LC_ALL=C tr -d '\000-\011\013-\037\177-\377' <"$TMP/err" | wc -c) -ne $bytes ]]; then
    fail "raw control or binary bytes in the message"
  fi
}

# 1 MB of random bytes (fixed seed) read as a Jepsen log was a valid, empty
# history (exit 0).
LC_ALL=C mawk 'BEGIN { srand(1); for (i = 0; i < 1048576; i++) printf "%c", int(rand() * 256) }' \
  >"$TMP/random.log"
expect 2 "no Jepsen log line" --model=register --format=log "$TMP/random.log"
expect_short_clean_message
expect 2 "cannot tell the history format" --model=register "$TMP/random.log"
expect_short_clean_message

# A 20 MB token was quoted whole; NUL and binary bytes were echoed raw.
{
  printf 'INFO jepsen.util - 1\t:'
  head -c 20000000 /dev/zero | tr '\0' x
  printf '\t:read\tnil\n'
} >"$TMP/huge.log"
x39=$(printf 'x%.0s' {1..39})
expect 2 "line 1: unknown op type ':$x39'...(20000001 bytes)" \
  --model=register "$TMP/huge.log"
expect_short_clean_message
printf 'INFO jepsen.util - 1\t:\000\001\377\t:read\tnil\n' >"$TMP/binary.log"
expect 2 "line 1: unknown op type ':\\x00\\x01\\xff'" --model=register "$TMP/binary.log"
expect_short_clean_message
printf '[%s]\n' "$(head -c 100000 /dev/zero | tr '\0' 7)" >"$TMP/number.edn"
sevens=$(printf '7%.0s' {1..40})
expect 2 "bad or out-of-range number '$sevens'...(100000 bytes)" \
  --model=register "$TMP/number.edn"
expect_short_clean_message

# An empty history stays a warning (exit 0), an error with --strict.
printf '[]\n' >"$TMP/empty.edn"
expect 0 "warning: '$TMP/empty.edn' holds no operations" --model=register "$TMP/empty.edn"
expect 2 "error: '$TMP/empty.edn' holds no operations" --model=register --strict "$TMP/empty.edn"

# --html is created before the check: an unwritable path fails at once with
# the path and the errno, a failed write after the check fails too.
good=jepsen/testdata/knossos_cas_failure.edn  # runfiles-relative
expect 2 "--html: cannot create '/nonexistent-dir/t.html': No such file or directory (errno 2)" \
  --model=cas-register "--html=/nonexistent-dir/t.html" "$good"
[[ -s "$TMP/out" ]] && fail "the check ran before --html was refused"
expect 2 "--html: cannot create '$TMP': Is a directory (errno 21)" \
  --model=cas-register "--html=$TMP" "$good"
expect 2 "--html: cannot write '/dev/full': No space left on device (errno 28)" \
  --model=cas-register --html=/dev/full "$good"
expect 1 "verdict: invalid" --model=cas-register "--html=$TMP/t.html" "$good"
grep -q '<!DOCTYPE html>' "$TMP/t.html" || fail "--html=$TMP/t.html was not written"

# Numeric flags have ranges.
expect 2 "--threads: got '-1', want a count in [0, 1024]" --model=register --threads=-1 "$good"
expect 2 "--time-limit: got 'nan', want seconds in [0, 1000000000]" \
  --model=register --time-limit=nan "$good"

if [[ $failures -ne 0 ]]; then
  echo "bad_input_test: $failures failure(s)"
  exit 1
fi
echo "bad_input_test: every case passed"
