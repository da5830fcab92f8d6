# Sourced (not run) by the scripts that build a Go program from the Go
# module proxy: tests/rpc/interop/run_interop.sh and run_bench.sh,
# tests/interop/run_client_go.sh, tools/linear_vs_porcupine.sh.
#
#   source "$root/tools/go_env.sh"
#   go_require my_script || exit 2     # the toolchain, or a clear message
#   go_build DIR OUT [SECONDS]         # builds the module in DIR into OUT
#
# The toolchain is the machine's (tools/setup.sh installs Debian's when
# none is on PATH); GOTOOLCHAIN=local keeps `go` from fetching another
# one for a go.mod that asks for a newer version. Modules come from the
# proxy `go env GOPROXY` names, into the usual module cache, so a second
# build is warm. VCS stamping is off: the sources may sit in a sandbox
# without the repository's .git.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

# go_require NAME: true when `go` is on PATH, else says so for NAME.
go_require() {
  if ! command -v go >/dev/null; then
    echo "$1: needs the Go toolchain (go) on PATH (tools/setup.sh installs it)"
    return 1
  fi
}

# go_build DIR OUT [SECONDS]: `go build` of the module in DIR into OUT,
# within SECONDS (default 300: a cold client-go build takes about 3 min).
go_build() {
  local dir="$1" out="$2" seconds="${3:-300}"
  (cd "$dir" && timeout "$seconds" go build -o "$out" .) || {
    echo "go_build: building $dir failed (or took over ${seconds} s)"
    return 1
  }
}
