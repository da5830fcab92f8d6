# Sourced (not run) by the scripts that start servers on loopback for a
# test and must leave none behind: every process started with proc_start
# is killed by pid (never by name) when the script exits.
#
#   source "$root/tools/procs.sh"
#   procs_init [DIR]                    # a work dir ($procs_dir), the trap
#   proc_start NAME COMMAND...          # waits for "serving on ADDR"
#   echo "$address"                     # ADDR, set by proc_start
#   proc_stop NAME                      # SIGTERM, waits; false if unclean
#   free_port                           # prints a free loopback port
#
# A server's output goes to $procs_dir/NAME.out (printed when it fails to
# start). The work dir is removed on exit unless KEEP_PROCS_DIR is set or
# it was given (procs_init DIR: created if missing, always kept).
declare -A proc_pids=()

procs_cleanup() {
  local pid
  for pid in "${proc_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${proc_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_PROCS_DIR:-}" ]] || rm -rf "$procs_dir"
}

procs_init() {
  if [[ -n "${1:-}" ]]; then
    mkdir -p "$1"
    procs_dir="$(cd "$1" && pwd)"
    KEEP_PROCS_DIR=1
  else
    procs_dir="$(mktemp -d)"
  fi
  trap procs_cleanup EXIT
}

# proc_start NAME COMMAND...: starts COMMAND in the background, waits up to
# PROC_START_S seconds (default 30) for a line "serving on ADDR"; sets
# $address. Fails (printing the output) if it exits or never says so.
proc_start() {
  local name="$1" i
  shift
  # Created here: the background job's redirection may come after the
  # first look below.
  : >"$procs_dir/$name.out"
  "$@" >>"$procs_dir/$name.out" 2>&1 &
  proc_pids[$name]=$!
  for ((i = 0; i < ${PROC_START_S:-30} * 10; ++i)); do
    address="$(sed -n 's/^serving on //p' "$procs_dir/$name.out" | head -1)"
    [[ -n "$address" ]] && return 0
    kill -0 "${proc_pids[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:"
  cat "$procs_dir/$name.out"
  return 1
}

# proc_stop NAME [SECONDS]: SIGTERM, then waits up to SECONDS (default 30)
# for it to exit; true iff it exited with status 0 in time.
proc_stop() {
  local name="$1" seconds="${2:-30}" pid="${proc_pids[$1]}" status=0
  kill -TERM "$pid" 2>/dev/null || return 1
  timeout "$seconds" tail --pid="$pid" -f /dev/null || status=1
  wait "$pid" || status=1
  unset "proc_pids[$name]"
  return $status
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
