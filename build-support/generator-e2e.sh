#!/usr/bin/env bash
# End to end, in a copy of the repo (a clone, so the template's versions are in its git
# history, with the work tree's files laid over it, so it also works before a commit).
# The real repo is never touched.
#
# create: a service is green the moment the generator makes it. Generates throwaway
#   services with `./pants run tools/generate-service` and runs what CI runs on them:
#   BUILD-file checks, visibility, lint, type-check, tests, package. Then it starts the
#   packaged PEX, asks it for /health/ready, and checks that `update` at the same template
#   version has nothing to do.
# update: services follow the template. Generates two services at the previous template
#   version (rebuilt from git), edits one, updates both to the current version through
#   copier: no conflicts, the edits kept, `update --dry-run` then has nothing to do, and
#   both pass tests, lint and check.
# all: both in one copy, with one check/lint/test run over every generated service (what
#   CI runs).
#
# Only the generated services are checked and tested: the repo's own targets are the
# main `tests` step's.
#
#   build-support/generator-e2e.sh [create|update|all]    # KEEP=1 keeps the copy for a post-mortem
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_CONFIG_FILE=/dev/null
# No daemon in the copy: the generator swaps whole service directories in, which a daemon's
# file watcher can miss (it then checks a service against its BUILD file from before an
# update). Each `./pants` below starts fresh; the checks of all services share one run.
export PANTS_PANTSD=false

mode=${1:-create}
[[ "$mode" == create || "$mode" == update || "$mode" == all ]] \
  || { echo "usage: $0 [create|update|all]" >&2; exit 2; }
source_repo=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-generator-e2e.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ -n "${KEEP:-}" ]]; then echo "e2e: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { echo "::: e2e: $*"; }

step "copying the repo to $work/repo"
git clone --quiet --shared "$source_repo" "$work/repo"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' path; do [[ -f "$path" ]] && printf '%s\0' "$path"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work/repo"
git ls-files -z --deleted | (cd "$work/repo" && xargs -0 -r rm -f --)
cd "$work/repo"

generate() { ./pants run tools/generate-service -- "$@"; }
no_conflicts() {
  if grep -rln -e '^<<<<<<< ' -e '^>>>>>>> ' "$@"; then
    echo "e2e: conflict markers left in the files above" >&2; exit 1
  fi
}
nothing_to_do() {
  generate update "$1" --dry-run | tee "$work/dry-run.log"
  grep -q "nothing to do" "$work/dry-run.log" || { echo "e2e: update $1 still has work" >&2; exit 1; }
}
green() {
  step "BUILD files are what tailor and update-build-files would write, visibility rules hold, lint, type-check, test"
  ./pants tailor --check update-build-files --check \
    dependencies --dependencies-output-file="$work/dependencies.txt" lint check test "$@"
}

# Every generated service's target spec, for `green`.
targets=()

# update: two services at the previous template version, one edited, both updated.
updated() {
  local template current previous commit version edited name
  template=tools/generate-service/aurora_generator/templates/service
  current=$(cat "$template/VERSION")
  previous=""
  for commit in $(git log --format=%H -- "$template/VERSION"); do
    version=$(git show "$commit:$template/VERSION")
    if [[ "$version" != "$current" ]]; then previous=$version; break; fi
  done
  [[ -n "$previous" ]] || { echo "e2e: no template version before $current in git" >&2; exit 1; }
  step "generating two services at template $previous (from git)"
  generate e2e-kept-service 18190 --with db,http,events --template-version "$previous"
  generate e2e-edited-service 18191 --with db --title "E2E edited" --template-version "$previous"
  grep -q "^_commit: $previous\$" services/e2e-kept-service/.copier-answers.yml
  step "editing e2e-edited-service"
  edited=services/e2e-edited-service
  printf '# e2e: an edit of our own\n' >>"$edited/Dockerfile"
  sed -i 's/"""E2E edited, ready/"""Our own E2E edited, ready/' "$edited/src/e2e_edited_service/app.py"
  grep -q '"""Our own E2E edited, ready' "$edited/src/e2e_edited_service/app.py"
  for name in e2e-kept-service e2e-edited-service; do
    step "update $name: $previous -> $current"
    generate update "$name"
    no_conflicts "services/$name"
    grep -q "^_commit: $current\$" "services/$name/.copier-answers.yml"
    nothing_to_do "$name"
  done
  step "the edits survived the update"
  grep -q '^# e2e: an edit of our own$' "$edited/Dockerfile"
  grep -q '"""Our own E2E edited, ready' "$edited/src/e2e_edited_service/app.py"
  targets+=(services/e2e-kept-service:: services/e2e-edited-service::)
}

# create: throwaway services at the current template version, and a refusal.
# name  port  --with
created_services=(
  "e2e-full-service 18180 db,http,events"
  "e2e-bare-service 18181 "
)
created_targets=()
created() {
  local spec name port libs before
  for spec in "${created_services[@]}"; do
    read -r name port libs <<<"$spec"
    step "generating $name (--with '${libs}')"
    generate "$name" "$port" --with "${libs:-}" \
      --title "E2E ${name}" --description "Throwaway service of the generator's end-to-end check"
    created_targets+=("services/$name::")
  done
  targets+=("${created_targets[@]}")

  step "a refusal through Pants: non-zero exit, nothing written"
  before=$(find services -type f | sort | xargs sha256sum)
  if ./pants run tools/generate-service -- Not_Kebab 18182 2>"$work/refusal.log"; then
    echo "e2e: an invalid name was accepted" >&2; exit 1
  fi
  grep -q "generate-service: refused: " "$work/refusal.log" || { cat "$work/refusal.log" >&2; exit 1; }
  [[ "$before" == "$(find services -type f | sort | xargs sha256sum)" ]] || { echo "e2e: a refusal wrote files" >&2; exit 1; }
}

# create, once every service is green: the packaged PEX serves, and an update at the same
# template version changes nothing.
created_runs() {
  local name port pex ready before after
  step "package"
  ./pants package "${created_targets[@]}"

  read -r name port _ <<<"${created_services[0]}"
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

  step "update at the same template version changes nothing"
  before=$(find "services/$name" -type f -exec sha256sum {} + | sort)
  nothing_to_do "$name"
  generate update "$name"
  after=$(find "services/$name" -type f -exec sha256sum {} + | sort)
  [[ "$before" == "$after" ]] || { echo "e2e: update changed files it should not have" >&2; diff <(echo "$before") <(echo "$after") >&2; exit 1; }
}

[[ "$mode" == create ]] || updated
[[ "$mode" == update ]] || created
green "${targets[@]}"
[[ "$mode" == update ]] || created_runs
step "ok"
