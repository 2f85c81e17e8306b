#!/usr/bin/env bash
# Brings the whole Compose stack up on this machine, with no Docker engine and
# no image registry, runs a smoke test through the API, and takes everything
# down again (containers, volumes, networks), also when a step fails.
#
#   bash deploy/stack-smoke.sh            # RELAIS_BIN=/tmp/relais-c9a8ada
#   RELAIS_BIN=target/release/relais bash deploy/stack-smoke.sh
#
# How: Debian's podman (4.3) serves the Docker API on a socket of its own
# (`podman system service`), and Docker Compose (deploy/check-compose.sh's
# venv) drives it through DOCKER_HOST with docker-compose.yml plus
# deploy/compose.podman.yml. Every image is built on a Debian bookworm base
# made here with debootstrap (kept as localhost/relais-smoke-base:bookworm):
# PostgreSQL from Debian's packages, moto's S3 server from PyPI wheels (fetched
# by the host's pip), Relais from the host-built binary RELAIS_BIN. Services
# use the host's network on 127.0.0.1 ports of their own.
#
# This sandbox's traps, handled below: podman cannot raise rlimits here
# (default_ulimits in a containers.conf of its own), crun refuses the hybrid
# cgroup layout (runc instead), health checks have no systemd timer (a loop
# calls `podman healthcheck run`), and Compose must use the classic builder
# (COMPOSE_BAKE=false DOCKER_BUILDKIT=0).
#
# Settings: RELAIS_BIN (relative to the repository; normally
# target/release/relais), SMOKE_WORK (/tmp/relais-smoke), SMOKE_TIMEOUT_SECS
# (1500: no step starts later; every command also has a timeout of its own),
# SMOKE_RELAIS_PORT/SMOKE_PG_PORT/SMOKE_S3_PORT (45400/45432/45900),
# SMOKE_KEEP_IMAGES=0 to remove the built images too (the debootstrapped base
# stays: `podman rmi localhost/relais-smoke-base:bookworm`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

RELAIS_BIN="${RELAIS_BIN:-/tmp/relais-c9a8ada}"
work="${SMOKE_WORK:-/tmp/relais-smoke}"
project="${SMOKE_PROJECT:-relais-smoke}"
limit="${SMOKE_TIMEOUT_SECS:-1500}"
mirror="${SMOKE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
moto_version=5.2.5
export SMOKE_BASE_IMAGE="${SMOKE_BASE_IMAGE:-localhost/relais-smoke-base:bookworm}"
export SMOKE_RELAIS_PORT="${SMOKE_RELAIS_PORT:-45400}"
export SMOKE_PG_PORT="${SMOKE_PG_PORT:-45432}"
export SMOKE_S3_PORT="${SMOKE_S3_PORT:-45900}"
api="http://127.0.0.1:$SMOKE_RELAIS_PORT"
compose_bin="${RELAIS_COMPOSE_VENV:-/tmp/relais-compose-venv}/bin/docker-compose"
stage="$repo/deploy/podman/.stage"

t0=$(date +%s)
step_t=$t0
tearing_down=0
step() {
  local now; now=$(date +%s)
  # The whole run is bounded: each command has a timeout, and no new step
  # starts past the limit.
  if [ "$tearing_down" = 0 ] && [ $((now - t0)) -gt "$limit" ]; then
    printf '[%4ds +%3ds] FAILED: over SMOKE_TIMEOUT_SECS=%s before: %s\n' $((now - t0)) $((now - step_t)) "$limit" "$*" >&2
    exit 124
  fi
  printf '[%4ds +%3ds] %s\n' $((now - t0)) $((now - step_t)) "$*"
  step_t=$now
}
note() { printf '            %s\n' "$*"; }
die() { step "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (rootful podman)"
[ -x "$RELAIS_BIN" ] || die "no Relais binary at RELAIS_BIN=$RELAIS_BIN (normally target/release/relais)"
mkdir -p "$work"

# ---------------------------------------------------------------- teardown
service_pid="" health_pid="" compose_ready=0 status=1
dc() { # dc SECONDS compose-args…
  local secs=$1; shift
  timeout "$secs" "$compose_bin" -p "$project" --env-file "$work/smoke.env" \
    -f docker-compose.yml -f deploy/compose.podman.yml "$@"
}
teardown() {
  status=$?
  trap - EXIT INT TERM
  set +e
  tearing_down=1
  if [ "$status" -ne 0 ] && [ "$compose_ready" = 1 ]; then
    echo "---- container states and last log lines (failure) ----"
    podman ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}}  {{.Status}}'
    dc 60 logs --no-color --tail 40 2>&1 | grep -v 'GET /moto-api/' | tail -120
    echo "-------------------------------------------------------"
  fi
  step "teardown: containers, volumes and networks of project $project"
  if [ "$compose_ready" = 1 ]; then
    dc 120 down --volumes --remove-orphans --timeout 10 >"$work/down.log" 2>&1 ||
      note "docker-compose down failed (see $work/down.log); removing with podman"
  fi
  if [ -n "$health_pid" ]; then kill "$health_pid" 2>/dev/null; wait "$health_pid" 2>/dev/null; fi
  if command -v podman >/dev/null; then
    podman ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r podman rm -f -t 5 >/dev/null
    podman volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r podman volume rm -f >/dev/null
    podman network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r podman network rm -f >/dev/null
    if [ "${SMOKE_KEEP_IMAGES:-1}" = 0 ]; then
      podman rmi -f localhost/relais-smoke-relais:latest localhost/relais-smoke-postgres:latest \
        localhost/relais-smoke-s3:latest >/dev/null 2>&1
    fi
    # Images a rebuild left without a name (ours only).
    podman image prune -f --filter label=org.relais.smoke=1 >/dev/null 2>&1
  fi
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null; wait "$service_pid" 2>/dev/null; fi
  rm -rf "$stage" "$work/podman.sock"
  left=$(podman ps -aq --filter "label=com.docker.compose.project=$project" 2>/dev/null | wc -l)
  vols=$(podman volume ls -q --filter "label=com.docker.compose.project=$project" 2>/dev/null | wc -l)
  note "left behind: $left containers, $vols volumes (images kept as a cache: podman images)"
  if [ "$status" -eq 0 ]; then step "PASSED in $(( $(date +%s) - t0 )) s"; else step "FAILED (exit $status) after $(( $(date +%s) - t0 )) s"; fi
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ tools
step "tools: podman, runc, debootstrap (Debian), Docker Compose (PyPI)"
missing=()
for p in podman runc debootstrap; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  note "apt-get install ${missing[*]}"
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Validates the files (and installs Compose into its venv the first time).
bash deploy/check-compose.sh | sed 's/^/            /'
note "$(podman --version); $(runc --version | head -n1); Docker Compose $("$compose_bin" version --short)"

cat >"$work/containers.conf" <<'EOF'
[containers]
# The sandbox cannot raise limits: ask for no more than the shell has.
default_ulimits = ["nofile=16384:16384", "nproc=8192:8192"]
[engine]
# crun 1.8 refuses the hybrid cgroup v1/v2 layout here; runc accepts it.
runtime = "runc"
# conmon of an exec session (docker-compose exec) lingers this long after it.
exit_command_delay = 5
EOF
export CONTAINERS_CONF="$work/containers.conf"

# ------------------------------------------------------------- base image
if podman image exists "$SMOKE_BASE_IMAGE"; then
  step "base image: $SMOKE_BASE_IMAGE (already built)"
else
  step "base image: debootstrap --variant=minbase bookworm, imported as $SMOKE_BASE_IMAGE"
  rm -rf "$work/rootfs"
  timeout 900 debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap (see $work/debootstrap.log)"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$SMOKE_BASE_IMAGE" >"$work/import.log" 2>&1 ||
    die "podman import (see $work/import.log)"
  rm -rf "$work/rootfs"
fi
note "$(podman image inspect --format '{{.Id}}' "$SMOKE_BASE_IMAGE" | cut -c1-12), $(podman image inspect --format '{{.Size}}' "$SMOKE_BASE_IMAGE" | awk '{printf "%d MB", $1/1e6}')"

# ------------------------------------------------------ Docker API socket
step "podman system service on unix://$work/podman.sock"
rm -f "$work/podman.sock"
podman system service --time=0 "unix://$work/podman.sock" >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 50); do [ -S "$work/podman.sock" ] && break; sleep 0.2; done
[ -S "$work/podman.sock" ] || die "podman system service did not start (see $work/service.log)"
export DOCKER_HOST="unix://$work/podman.sock" COMPOSE_BAKE=false DOCKER_BUILDKIT=0
compose_ready=1

# A fresh set of secrets for each run (the compose file requires them).
rand() { openssl rand -hex "$1"; }
cat >"$work/smoke.env" <<EOF
POSTGRES_PASSWORD=$(rand 12)
S3_ACCESS_KEY=smoke$(rand 4)
S3_SECRET_KEY=$(rand 16)
RELAIS_JWT_SECRET=$(rand 32)
S3_BUCKET=relais-smoke
EOF
set -a; . "$work/smoke.env"; set +a

# ------------------------------------------------------------------ build
step "build: relais (host binary), postgres (Debian packages), s3 (moto wheels)"
mkdir -p "$stage"
ln -f "$RELAIS_BIN" "$stage/relais" 2>/dev/null || cp "$RELAIS_BIN" "$stage/relais"
note "relais binary: $RELAIS_BIN ($(du -h "$RELAIS_BIN" | cut -f1))"
wheels="$work/wheels-moto-$moto_version"
if [ ! -e "$wheels/.complete" ]; then
  rm -rf "$wheels"
  # For the base image's Python (bookworm: 3.11, glibc x86_64).
  timeout 300 pip download --quiet --disable-pip-version-check --only-binary=:all: --python-version 3.11 \
    -d "$wheels" "moto[server]==$moto_version" || die "pip download moto[server]==$moto_version"
  touch "$wheels/.complete"
fi
cp -al "$wheels" "$stage/wheels" 2>/dev/null || cp -r "$wheels" "$stage/wheels"
dc 1200 build >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; die "docker-compose build (see $work/build.log)"; }
for i in relais postgres s3; do
  note "localhost/relais-smoke-$i:latest $(podman image inspect --format '{{.Size}}' "localhost/relais-smoke-$i:latest" | awk '{printf "%d MB", $1/1e6}')"
done

# ---------------------------------------------------------------------- up
step "up: postgres, s3 (healthy) -> s3-init (bucket) -> relais (healthy)"
# No systemd timers here: run every container's health check every 2 s.
(
  while :; do
    for c in $(podman ps -q --filter "label=com.docker.compose.project=$project" --filter status=running); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
    sleep 2
  done
) &
health_pid=$!
dc 300 up -d --no-build >"$work/up.log" 2>&1 || { cat "$work/up.log"; die "docker-compose up"; }
grep -E ' (Healthy|Exited|Started) *$' "$work/up.log" | sed 's/^ */            /; s/ *$//' | awk '!seen[$0]++'
for _ in $(seq 1 90); do
  [ "$(podman inspect --format '{{.State.Health.Status}}' "$project-relais-1" 2>/dev/null)" = healthy ] && break
  sleep 1
done
[ "$(podman inspect --format '{{.State.Health.Status}}' "$project-relais-1")" = healthy ] || die "relais is not healthy"
podman ps -a --filter "label=com.docker.compose.project=$project" --format '            {{.Names}}: {{.Status}}'
note "GET /health: $(curl -sS --max-time 5 "$api/health")"

# ------------------------------------------------------------------ smoke
gql() { # gql JSON [TOKEN]
  local auth=()
  [ -n "${2:-}" ] && auth=(-H "authorization: Bearer $2")
  curl -sS --max-time 30 "$api/graphql" -H 'content-type: application/json' "${auth[@]}" --data-binary "$1"
}
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

step "editor: relais user create inside the relais container (docker-compose exec)"
email=smoke-editor@example.org
password="smoke $(rand 8)"
dc 60 exec -T -e RELAIS_PASSWORD="$password" relais relais user create --email "$email" --role EDITOR |
  sed 's/^/            /'

step "login"
login=$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }", "variables": {"e": sys.argv[1], "p": sys.argv[2]}}))' "$email" "$password")")
token=$(field 'd["data"]["login"]["token"]' <<<"$login" 2>/dev/null) || die "login: $login"
note "token: ${token:0:12}…"

step "upload: a PNG through GraphQL multipart (uploadMedia)"
python3 - "$work/smoke.png" <<'EOF'
import struct, sys, zlib
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
w, h = 4, 3
raw = b"".join(b"\x00" + bytes([200, 40 * y, 90]) * w for y in range(h))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
sha=$(sha256sum "$work/smoke.png" | cut -d' ' -f1)
upload=$(curl -sS --max-time 30 "$api/graphql" -H "authorization: Bearer $token" \
  -F 'operations={"query":"mutation($f: Upload!) { uploadMedia(file: $f) { id checksum } }","variables":{"f":null}}' \
  -F 'map={"0":["variables.f"]}' -F "0=@$work/smoke.png;type=image/png")
checksum=$(field 'd["data"]["uploadMedia"]["checksum"]' <<<"$upload" 2>/dev/null) || die "upload: $upload"
note "media $(field 'd["data"]["uploadMedia"]["id"]' <<<"$upload"), checksum $checksum"
[[ "$checksum" == *"$sha"* ]] || die "checksum $checksum is not the file's SHA-256 $sha"

step "S3: the object is in bucket $S3_BUCKET (ListObjectsV2, signed with the keys)"
listing=$(curl -sS --max-time 30 --aws-sigv4 "aws:amz:${S3_REGION:-us-east-1}:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  "http://127.0.0.1:$SMOKE_S3_PORT/$S3_BUCKET?list-type=2")
keys=$(grep -o '<Key>[^<]*</Key>' <<<"$listing" | sed 's/<[^>]*>//g' || true)
grep -q "$sha" <<<"$keys" || die "no object named after $sha in the bucket: $listing"
grep "$sha" <<<"$keys" | sed 's/^/            key: /'

step "news: createNewsArticle, then publish(version: 1)"
title="Relais sur Compose $(date -u +%H:%M:%S)"
created=$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": "mutation($t: String!) { createNewsArticle(input: { title: [{ locale: \"fr\", value: $t }] }) { id version } }", "variables": {"t": sys.argv[1]}}))' "$title")" "$token")
id=$(field 'd["data"]["createNewsArticle"]["id"]' <<<"$created" 2>/dev/null) || die "createNewsArticle: $created"
note "created $id, version $(field 'd["data"]["createNewsArticle"]["version"]' <<<"$created")"
published=$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": "mutation($id: ID!) { publish(id: $id, version: 1) { __typename ... on NewsArticle { id workflowState publishedAt } } }", "variables": {"id": sys.argv[1]}}))' "$id")" "$token")
state=$(field 'd["data"]["publish"]["workflowState"]' <<<"$published" 2>/dev/null) || die "publish: $published"
note "published: $state at $(field 'd["data"]["publish"]["publishedAt"]' <<<"$published")"

step "read back anonymously"
read_back=$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": "query($id: ID!) { newsArticle(id: $id) { id title publishedAt } }", "variables": {"id": sys.argv[1]}}))' "$id")")
got=$(field 'd["data"]["newsArticle"]["title"]' <<<"$read_back" 2>/dev/null) || die "anonymous read: $read_back"
[ "$got" = "$title" ] || die "anonymous read gave \"$got\", not \"$title\": $read_back"
note "title: $got"
