#!/usr/bin/env bash
# The very first ./pants run shows what every run shows: a test goal run with an empty
# XDG_CACHE_HOME (so the bootstrap installs Pants and builds the pex CLI first) must
# print Pants' own test summary. Pants' store and named caches stay the machine's, so
# only the bootstrap is cold and the step stays short.
set -euo pipefail
cd "$(dirname "$0")/.."
target="libs/aurora-errors/tests::"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
real_cache="${XDG_CACHE_HOME:-$HOME/.cache}"
output="$scratch/output"
status=0
XDG_CACHE_HOME="$scratch/cache" CI=true PANTS_PANTSD=false \
  PANTS_NAMED_CACHES_DIR="$real_cache/pants/named_caches" \
  PANTS_LOCAL_STORE_DIR="$real_cache/pants/lmdb_store" \
  ./pants test "$target" >"$output" 2>&1 || status=$?
cat "$output"
grep -q '^pants bootstrap: installing pantsbuild.pants' "$output" \
  || { echo "first run: the bootstrap did not run from an empty cache"; exit 1; }
grep -Eq '^✓ libs/aurora-errors/tests/.* succeeded' "$output" \
  || { echo "first run: no test summary line in the output"; exit 1; }
grep -q '^Wrote test reports' "$output" \
  || { echo "first run: Pants' closing lines are missing"; exit 1; }
echo "first run: the bootstrap's run printed the test summary (exit $status)"
exit "$status"
