#!/usr/bin/env bash
# The main job (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
echo "run: nothing runnable yet beyond the test suite; see tools/test.sh"
