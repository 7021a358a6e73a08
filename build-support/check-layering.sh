#!/usr/bin/env bash
# The layering gate: every dependency must pass the visibility rules, and a deliberate
# violation must fail the build (so the rules can't silently stop applying).
set -uo pipefail
cd "$(dirname "$0")/.."
# Ten Pants runs below: one daemon shares Pants' start-up between them. A caller that chose
# (PANTS_PANTSD set, as .ci/run does) keeps its choice; a daemon this script started is
# stopped when it ends.
if [[ -z "${PANTS_PANTSD:-}" ]]; then
  export PANTS_PANTSD=true
  bash build-support/pantsd.sh running || stop_daemon=yes
fi
probe_file=""
cleanup() {
  if [[ -n "$probe_file" ]]; then rm -f "$probe_file"; fi
  if [[ -n "${stop_daemon:-}" ]]; then bash build-support/pantsd.sh stop; fi
}
trap cleanup EXIT

./pants dependencies :: >/dev/null || { echo "visibility rules are violated (see above)" >&2; exit 1; }

# from-package  imported-module  why it must be refused
probes=(
  "libs/aurora-errors/src/aurora/errors aurora.logging errors-is-the-floor"
  "libs/aurora-config/src/aurora/config aurora.db config-below-db"
  "libs/aurora-config/src/aurora/config aurora.logging config-below-logging"
  "libs/aurora-app/src/aurora/app aurora.db app-never-imports-db"
  "libs/aurora-app/src/aurora/app aurora.http app-never-imports-http"
  "libs/aurora-app/src/aurora/app aurora.telemetry app-never-imports-telemetry"
  "libs/aurora-telemetry/src/aurora/telemetry aurora.db telemetry-below-db"
  "libs/aurora-db/src/aurora/db aurora.testing only-tests-import-testing"
  "services/subject-service/src/subject_service catalog_service services-never-import-services"
)
ran=0
for probe in "${probes[@]}"; do
  read -r package module why <<<"$probe"
  target_dir=$(python3 -c "import sys; print(sys.argv[1].replace('.', '/'))" "$module")
  [[ -d "$package" ]] || continue
  compgen -G "libs/*/src/$target_dir" >/dev/null || compgen -G "services/*/src/$target_dir" >/dev/null || continue
  probe_file="$package/_layering_probe.py"
  printf 'import %s  # noqa: F401\n' "$module" >"$probe_file"
  if output=$(./pants dependencies "$probe_file" 2>&1); then
    echo "layering: $why: importing $module from $package was NOT refused" >&2
    exit 1
  fi
  if ! grep -q "DependencyRuleActionDeniedError" <<<"$output"; then
    echo "layering: $why: failed, but not with a visibility error:" >&2
    echo "$output" >&2
    exit 1
  fi
  echo "layering: $why: refused as it should be"
  rm -f "$probe_file"; probe_file=""
  ran=$((ran + 1))
done
((ran > 0)) || { echo "layering: no probe could run" >&2; exit 1; }
echo "layering: ok ($ran violations refused)"
