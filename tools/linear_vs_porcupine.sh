#!/usr/bin/env bash
# Our linearizability checker against Porcupine (v1.3.1, built here from the
# Go module proxy; see tools/porcupine/) on generated key-value histories
# (jepsen/bench/make_kv_corpus: 10, 50 and 100 clients; valid, planted stale
# read, planted lost append). One process per file for each checker, timed
# by the tool itself (reading and checking the file: `check --timing`) and
# from the outside (the process, start-up included), the least of REPEAT
# runs, both with the machine's cores. Prints one row per file, then a
# summary; fails if any verdict is wrong (ours, or Porcupine's where it has
# one: it may give none within the time limit), or if ours takes longer than
# Porcupine's to read and check a file that takes Porcupine MIN_MS or more.
# (Below that the search is trivial, 10 clients on 10 keys, and the time is
# reading the EDN file plus a shared machine's noise: such rows are marked
# but do not fail.)
#
#   tools/linear_vs_porcupine.sh            # 27 files, 1,000-4,000 ops
#   tools/linear_vs_porcupine.sh --quick    # 9 files of 500 ops (bench.sh)
#
# Environment: TIME_LIMIT_S (per check, default 60; 5 with --quick),
# REPEAT (runs per file and checker, default 3), MIN_MS (default 100),
# KEEP=DIR to keep the corpus in DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=()
limit_s=${TIME_LIMIT_S:-60}
if [[ "${1:-}" == "--quick" ]]; then
  quick=(--quick)
  limit_s=${TIME_LIMIT_S:-5}
fi
repeat=${REPEAT:-3}
min_ms=${MIN_MS:-100}
source tools/go_env.sh
go_require "linear_vs_porcupine: FAILED" || exit 1
bazel build --config=opt //jepsen/cli:check //jepsen/bench:make_kv_corpus ||
  exit 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Copies, so that a build during the run cannot change what is measured.
cp bazel-bin/jepsen/cli/check bazel-bin/jepsen/bench/make_kv_corpus "$work/"
corpus="${KEEP:-$work/corpus}"
mkdir -p "$corpus"
go_build tools/porcupine "$work/porcupine_kv" || {
  echo "linear_vs_porcupine: FAILED: cannot build tools/porcupine"
  exit 1
}
"$work/make_kv_corpus" "${quick[@]}" "$corpus" >"$work/files" ||
  exit 1

# run COMMAND...: runs it $repeat times; sets verdict, ms (the least time the
# tool reports for reading and checking) and wall_ms (the least process wall
# time, start-up included).
run() {
  ms="" wall_ms="" verdict=""
  local i start end took wall
  for ((i = 0; i < repeat; ++i)); do
    start=$EPOCHREALTIME
    "$@" >"$work/out" 2>&1
    end=$EPOCHREALTIME
    verdict=$(sed -n 's/^verdict: //p' "$work/out" | head -1)
    [[ -n "$verdict" ]] || verdict="error"
    took=$(sed -n 's/^time: \([0-9.]*\) ms.*/\1/p' "$work/out" | head -1)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
    ms=$(awk -v a="${ms:-1e18}" -v b="${took:-1e18}" 'BEGIN { printf "%.1f", (b < a ? b : a) }')
    wall_ms=$(awk -v a="${wall_ms:-1e18}" -v b="$wall" 'BEGIN { printf "%.1f", (b < a ? b : a) }')
    [[ "$verdict" == "unknown" ]] && break  # hit the time limit: once is enough
  done
}

printf '%-24s %-8s | %-8s %9s %9s | %-9s %9s %9s | %7s\n' file expected \
  ours ms wall_ms porcupine ms wall_ms ratio
status=0
ours_total=0
porcupine_total=0
porcupine_timeouts=0
slower_small=0
while IFS=$'\t' read -r name expected; do
  run "$work/check" --model=kv --timing --time-limit="$limit_s" \
    "$corpus/$name"
  ours=$verdict ours_ms=$ms ours_wall=$wall_ms
  run "$work/porcupine_kv" -timeout="${limit_s}s" "$corpus/$name"
  porcupine=$verdict porcupine_ms=$ms porcupine_wall=$wall_ms
  ratio=$(awk -v o="$ours_ms" -v p="$porcupine_ms" \
    'BEGIN { printf "%.1fx", (o > 0 ? p / o : 0) }')
  note=""
  if [[ "$ours" != "$expected" ]] ||
    [[ "$porcupine" != "$expected" && "$porcupine" != "unknown" ]]; then
    note="WRONG VERDICT"
    status=1
  elif [[ "$porcupine" == "unknown" ]]; then
    note="(porcupine: no verdict in ${limit_s} s)"
    porcupine_timeouts=$((porcupine_timeouts + 1))
  elif awk -v o="$ours_ms" -v p="$porcupine_ms" 'BEGIN { exit !(o > p) }'; then
    if awk -v p="$porcupine_ms" -v m="$min_ms" 'BEGIN { exit !(p >= m) }'; then
      note="SLOWER"
      status=1
    else
      note="(slower, under ${min_ms} ms: reading and noise)"
      slower_small=$((slower_small + 1))
    fi
  fi
  ours_total=$(awk -v a="$ours_total" -v b="$ours_ms" 'BEGIN { print a + b }')
  porcupine_total=$(awk -v a="$porcupine_total" -v b="$porcupine_ms" \
    'BEGIN { print a + b }')
  printf '%-24s %-8s | %-8s %9s %9s | %-9s %9s %9s | %7s %s\n' "$name" \
    "$expected" "$ours" "$ours_ms" "$ours_wall" "$porcupine" "$porcupine_ms" \
    "$porcupine_wall" "$ratio" "$note"
done <"$work/files"
printf 'total: ours %.1f ms, porcupine %.1f ms (ms: read and check, least of %d\n' \
  "$ours_total" "$porcupine_total" "$repeat"
echo "runs; wall_ms: the process, start-up included; ratio: porcupine / ours)"
echo "porcupine gave no verdict within ${limit_s} s on $porcupine_timeouts files;" \
  "ours slower on $slower_small files where porcupine took under ${min_ms} ms"
echo "linear_vs_porcupine: $([[ $status -eq 0 ]] && echo PASS || echo FAIL)"
exit $status
