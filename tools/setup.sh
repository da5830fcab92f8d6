#!/usr/bin/env bash
# Installs every Debian package the project needs. Idempotent, and silent when
# everything is already present. Needs root (or sudo) only when installing.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap          # Bazel 4.2.3, builds offline
  g++ python3 git
  librocksdb-dev           # RocksEngine
  libabsl-dev              # Status, StatusOr, strings, flags
  libprotobuf-dev protobuf-compiler
  librapidcheck-dev        # property tests
  libgtest-dev libgmock-dev
  libboost-context-dev     # fibres
  libnghttp2-dev           # gRPC over HTTP/2
  nlohmann-json3-dev       # JSON-lines histories
  clang-format
  python3-protobuf         # tools/proto_compat reads descriptor sets
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Go (the grpc-go interop test, tools/proto_compat): Debian's, unless a Go
# toolchain is already on PATH.
command -v go >/dev/null || missing+=(golang-go)
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup: done"
