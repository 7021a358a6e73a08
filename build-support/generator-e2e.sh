#!/usr/bin/env bash
# End to end: a service is green the moment the generator makes it.
#
# Copies the repo's files (git ls-files: tracked, plus untracked ones that aren't
# ignored, so it also works before a commit) into a temporary directory, generates
# throwaway services there with `./pants run tools/generate-service`, and runs what
# CI runs on them: BUILD-file checks, visibility, lint, type-check, tests, package.
# Then it starts the packaged PEX and asks it for /health/ready, and checks that
# `--update` from the same template changes nothing. The real repo is never touched.
#
#   build-support/generator-e2e.sh            # KEEP=1 keeps the copy for a post-mortem
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_CONFIG_FILE=/dev/null
# A pantsd started in the copy would outlive it.
export PANTS_PANTSD=false

work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-generator-e2e.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ -n "${KEEP:-}" ]]; then echo "e2e: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { echo "::: e2e: $*"; }

step "copying the repo to $work"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' path; do [[ -f "$path" ]] && printf '%s\0' "$path"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work"
cd "$work"

# name  port  --with
services=(
  "e2e-full-service 18180 db,http,events"
  "e2e-bare-service 18181 "
)
targets=()
for spec in "${services[@]}"; do
  read -r name port libs <<<"$spec"
  step "generating $name (--with '${libs}')"
  ./pants run tools/generate-service -- "$name" "$port" --with "${libs:-}" \
    --title "E2E ${name}" --description "Throwaway service of the generator's end-to-end check"
  targets+=("services/$name::")
done

step "a refusal through Pants: non-zero exit, nothing written"
before=$(find services -type f | sort | xargs sha256sum)
if ./pants run tools/generate-service -- Not_Kebab 18182 2>"$work/refusal.log"; then
  echo "e2e: an invalid name was accepted" >&2; exit 1
fi
grep -q "generate-service: refused: " "$work/refusal.log" || { cat "$work/refusal.log" >&2; exit 1; }
[[ "$before" == "$(find services -type f | sort | xargs sha256sum)" ]] || { echo "e2e: a refusal wrote files" >&2; exit 1; }

step "BUILD files are what tailor and update-build-files would write"
./pants tailor --check update-build-files --check "${targets[@]}"
step "visibility rules hold"
./pants dependencies "${targets[@]}" >/dev/null
step "lint, type-check, test"
./pants lint check test "${targets[@]}"
step "package"
./pants package "${targets[@]}"

read -r name port _ <<<"${services[0]}"
pex="dist/services.${name}/${name}.pex"
[[ -f "$pex" ]] || { echo "e2e: $pex is missing: the Dockerfile copies it from there" >&2; exit 1; }
step "running $pex"
python3.11 "$pex" >"$work/server.log" 2>&1 &
server_pid=$!
ready=""
for _ in $(seq 1 120); do
  if python3.11 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}/health/ready', timeout=1)" 2>/dev/null; then
    ready=yes
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "e2e: $name never became ready; its output:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
kill -INT "$server_pid"
wait "$server_pid" || true
server_pid=""

step "--update from the same template changes nothing"
before=$(find "services/$name" -type f -exec sha256sum {} + | sort)
./pants run tools/generate-service -- --update "$name"
after=$(find "services/$name" -type f -exec sha256sum {} + | sort)
[[ "$before" == "$after" ]] || { echo "e2e: --update changed files it should not have" >&2; diff <(echo "$before") <(echo "$after") >&2; exit 1; }

step "ok"
