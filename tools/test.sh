#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install missing Debian packages (tools/setup.sh)
#   2. the tier check, and its self-test on planted violations
#   3. clang-format check
#   4. proto/ against upstream kvproto, etcd and grpc health (tools/proto_compat),
#      and its self-test; skipped, not failed, if the Go module proxy is unreachable
#   5. every test, default build, the grpc-go interop both ways
#      (tests/rpc/interop/run_interop.sh: Go modules from the proxy), and
#      stock client-go against our real binaries
#      (tests/interop/run_client_go.sh)
#   6. every test again under AddressSanitizer + UndefinedBehaviorSanitizer
#   7. every benchmark in its quick mode, optimised build (numbers printed)
#   8. a short simulator sweep and the quick acceptance checks (tools/ci_sweep.sh)
# Runs every stage even after a failure, prints each stage's wall time, then
# one closing line "test: N passed, N failed", and exits non-zero if anything
# failed. Sized to finish within 45 minutes on 2 cores from an empty Bazel
# cache; the full-size sweeps and acceptance runs are tools/soak.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir="$(mktemp -d)"

stage_name=""
stage_start=$SECONDS
stage_times=()

stage_end() {
  if [[ -n "$stage_name" ]]; then
    local took=$((SECONDS - stage_start))
    echo "=== $stage_name: ${took} s"
    stage_times+=("$(printf '%6d s  %s' "$took" "$stage_name")")
  fi
}

stage() {
  stage_end
  stage_name="$1"
  stage_start=$SECONDS
  echo
  echo "=== $1"
}

record() {  # record NAME STATUS
  if [[ "$2" -eq 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
  fi
}

# Counts per-target results from a `bazel test --test_summary=short` log.
count_bazel_tests() {  # count_bazel_tests LOG STATUS_OF_RUN CONFIG
  local log="$1" run_status="$2" config="$3" ok bad
  ok=$(grep -cE '^//\S+\s+(\(cached\) )?PASSED' "$log" || true)
  bad=$(grep -cE '^//\S+\s+(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE)' "$log" || true)
  passed=$((passed + ok))
  failed=$((failed + bad))
  if [[ "$bad" -gt 0 ]]; then
    while read -r target; do failures+=("$target ($config)"); done \
      < <(grep -E '^//\S+\s+(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE)' "$log" | awk '{print $1}')
  elif [[ "$run_status" -ne 0 ]]; then
    # A build error fails the run without any test line.
    failed=$((failed + 1))
    failures+=("bazel test ($config): build failed")
  fi
}

stage "setup"
tools/setup.sh
record "setup" $?

stage "tier check"
python3 tools/tier_check/tier_check.py --self-test
record "tier check self-test" $?
python3 tools/tier_check/tier_check.py
record "tier check" $?

stage "format"
tools/format.sh --check
record "format" $?

stage "proto compat"
python3 tools/proto_compat/proto_compat.py --self-test
record "proto compat self-test" $?
python3 tools/proto_compat/proto_compat.py
record "proto compat" $?

stage "bazel test //... (default)"
bazel test --test_summary=short //... 2>&1 | tee "$log_dir/default.log"
count_bazel_tests "$log_dir/default.log" "${PIPESTATUS[0]}" default

stage "grpc-go interop (both ways, loopback)"
timeout 900 tests/rpc/interop/run_interop.sh
record "grpc-go interop" $?

stage "client-go v2.0.4 against pd-server and tikv-server (loopback)"
timeout 900 tests/interop/run_client_go.sh
record "client-go interop" $?

# Mutant tests (tag `mutant`) build their target unsanitized whatever the
# configuration (tools/build_defs/mutant.bzl); the default pass runs them,
# so the ASan pass leaves them out rather than run them twice. The default
# pass has built every target; the ASan pass builds only what tests run.
stage "bazel test --config=asan //..."
mapfile -t no_mutants < <(bazel query --output=label \
  'attr(tags, "\bmutant\b", tests(//...))' 2>/dev/null | sed 's/^/-/')
bazel test --config=asan --build_tests_only --test_summary=short \
  -- //... "${no_mutants[@]}" 2>&1 | tee "$log_dir/asan.log"
count_bazel_tests "$log_dir/asan.log" "${PIPESTATUS[0]}" asan

stage "benchmarks (quick, --config=opt)"
tools/bench.sh --quick
record "benchmarks" $?

stage "short simulator sweep and quick acceptance checks (--config=opt)"
tools/ci_sweep.sh
record "short sweep" $?
stage_end

echo
echo "stage times:"
printf '%s\n' "${stage_times[@]}"
echo "total: $SECONDS s"
if [[ "$failed" -gt 0 ]]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "test: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
