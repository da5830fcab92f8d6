#!/usr/bin/env bash
# Our linearizability checker against Porcupine (v1.3.1, built here from the
# Go module proxy; see tools/porcupine/) on generated key-value histories
# (jepsen/bench/make_kv_corpus: 10, 50 and 100 clients; valid, planted stale
# read, planted lost append). One process per file for each checker, timed
# from the outside (wall time, parsing included), both with the machine's
# cores. Prints one row per file, then a summary; fails if any verdict is
# wrong or differs between the two, or if ours is slower than Porcupine's on
# a file where Porcupine needs at least NOISE_MS (below that, process start-up
# decides).
#
#   tools/linear_vs_porcupine.sh            # 27 files, 1,000-4,000 ops
#   tools/linear_vs_porcupine.sh --quick    # 9 files of 500 ops (bench.sh)
#
# Environment: TIME_LIMIT_S (per check, default 120; 30 with --quick),
# NOISE_MS (default 50), KEEP=DIR to keep the corpus in DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=()
limit_s=${TIME_LIMIT_S:-120}
if [[ "${1:-}" == "--quick" ]]; then
  quick=(--quick)
  limit_s=${TIME_LIMIT_S:-30}
fi
noise_ms=${NOISE_MS:-50}
if ! command -v go >/dev/null; then
  echo "linear_vs_porcupine: FAILED: no Go toolchain to build Porcupine with"
  exit 1
fi
bazel build --config=opt //jepsen/cli:check //jepsen/bench:make_kv_corpus ||
  exit 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
corpus="${KEEP:-$work/corpus}"
mkdir -p "$corpus"
(cd tools/porcupine && go build -o "$work/porcupine_kv" .) || {
  echo "linear_vs_porcupine: FAILED: cannot build tools/porcupine"
  exit 1
}
bazel-bin/jepsen/bench/make_kv_corpus "${quick[@]}" "$corpus" >"$work/files" ||
  exit 1

# run NAME COMMAND...: sets verdict and ms.
run() {
  local start=$EPOCHREALTIME
  "$@" >"$work/out" 2>&1
  local end=$EPOCHREALTIME
  verdict=$(sed -n 's/^verdict: //p' "$work/out" | head -1)
  [[ -n "$verdict" ]] || verdict="error"
  ms=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

printf '%-24s %-8s | %-8s %9s | %-9s %9s | %7s\n' file expected ours ms \
  porcupine ms ratio
status=0
ours_total=0
porcupine_total=0
while IFS=$'\t' read -r name expected; do
  run bazel-bin/jepsen/cli/check --model=kv --time-limit="$limit_s" \
    "$corpus/$name"
  ours=$verdict ours_ms=$ms
  run "$work/porcupine_kv" -timeout="${limit_s}s" "$corpus/$name"
  porcupine=$verdict porcupine_ms=$ms
  ratio=$(awk -v o="$ours_ms" -v p="$porcupine_ms" \
    'BEGIN { printf "%.1fx", (o > 0 ? p / o : 0) }')
  note=""
  if [[ "$ours" != "$expected" || "$porcupine" != "$expected" ]]; then
    note="WRONG VERDICT"
    status=1
  elif awk -v o="$ours_ms" -v p="$porcupine_ms" -v n="$noise_ms" \
    'BEGIN { exit !(o > p && p >= n) }'; then
    note="SLOWER"
    status=1
  fi
  ours_total=$(awk -v a="$ours_total" -v b="$ours_ms" 'BEGIN { print a + b }')
  porcupine_total=$(awk -v a="$porcupine_total" -v b="$porcupine_ms" \
    'BEGIN { print a + b }')
  printf '%-24s %-8s | %-8s %9s | %-9s %9s | %7s %s\n' "$name" "$expected" \
    "$ours" "$ours_ms" "$porcupine" "$porcupine_ms" "$ratio" "$note"
done <"$work/files"
printf 'total: ours %.1f ms, porcupine %.1f ms (ratio = porcupine / ours)\n' \
  "$ours_total" "$porcupine_total"
echo "linear_vs_porcupine: $([[ $status -eq 0 ]] && echo PASS || echo FAIL)"
exit $status
