#!/usr/bin/env bash
# The Pants daemon of one build root (default: this repo), found by the pid it recorded.
# Scripts that run Pants with PANTS_PANTSD=true stop it when they finish, so no daemon
# outlives them.
#
#   build-support/pantsd.sh running [BUILD_ROOT]   # exit 0 if a daemon is running there
#   build-support/pantsd.sh stop [BUILD_ROOT]      # stop it and wait for it to exit
set -uo pipefail
command=${1:-}
root=${2:-"$(cd "$(dirname "$0")/.." && pwd)"}

pids() {
  local pid_file pid
  for pid_file in "$root"/.pids/*/pantsd/pid; do
    [[ -f "$pid_file" ]] || continue
    pid=$(cat "$pid_file")
    # Only a live pantsd: a stale pid file may name a process that reused the pid.
    [[ "$pid" =~ ^[0-9]+$ ]] && grep -qa pantsd "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
  done
}

case "$command" in
  running) [[ -n "$(pids)" ]] ;;
  stop)
    for pid in $(pids); do
      kill "$pid" 2>/dev/null || continue
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    exit 0
    ;;
  *) echo "usage: $0 running|stop [BUILD_ROOT]" >&2; exit 2 ;;
esac
