#!/usr/bin/env bash
# Formats every C++ source in the repository with clang-format (.clang-format).
#   tools/format.sh          rewrite files in place
#   tools/format.sh --check  list unformatted files and fail if there are any
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' | grep -v '^tools/tier_check/planted/')
if [[ "${1:-}" == "--check" ]]; then
  unformatted=()
  for file in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
      unformatted+=("$file")
    fi
  done
  if [[ ${#unformatted[@]} -gt 0 ]]; then
    printf 'not formatted: %s\n' "${unformatted[@]}"
    echo "format: run tools/format.sh"
    exit 1
  fi
  echo "format: ${#files[@]} files clean"
else
  clang-format -i "${files[@]}"
fi
