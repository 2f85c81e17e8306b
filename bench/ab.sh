#!/usr/bin/env bash
# Compares release binaries on one uncached request, alternating them round
# by round so the shared machine's drift falls on each alike: CPU of the
# server per request (from /proc; on PostgreSQL plus that of the backends
# serving its database), requests a second and p50, per run.
#
#   bench/ab.sh [-c CONNS] [-d SECS] [-r ROUNDS] [-q QUERY.graphql] [-v VARS.json] BIN...
#
# Reads the loaded benchmark database (RELAIS_DATABASE_URL, by default
# target/bench/bench-1.db: `node bench/api.mjs --scale 1` makes it), with
# the response cache off. Build each variant with `cargo build --release
# --bin relais` and copy target/release/relais aside before the next.
set -euo pipefail
cd "$(dirname "$0")/.."
conns=32 secs=5 rounds=3 query=bench/home.graphql vars='{}'
while getopts "c:d:r:q:v:" o; do
  case $o in
    c) conns=$OPTARG ;; d) secs=$OPTARG ;; r) rounds=$OPTARG ;;
    q) query=$OPTARG ;; v) vars=$(cat "$OPTARG") ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "give one or more binaries" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
db=${RELAIS_DATABASE_URL:-sqlite:target/bench/bench-1.db}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$query" "$vars" > "$work/post.lua" <<'EOF'
import json, sys
body = json.dumps({"query": open(sys.argv[1]).read(), "variables": json.loads(sys.argv[2])})
print('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]' % body)
EOF
threads=$(( conns < 2 ? 1 : 2 ))
# PostgreSQL's backends for the database (their titles name it).
pgdb=""
case $db in postgres*) pgdb=${db##*/}; pgdb=${pgdb%%\?*} ;; esac
pg_ticks() {
  local sum=0 p
  [ -n "$pgdb" ] || { echo 0; return; }
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q "^postgres: .* $pgdb " || continue
    sum=$(( sum + $(awk '{print $14 + $15}' "$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$sum"
}
port=4391
run() {
  local bin=$1
  RELAIS_DATABASE_URL=$db RELAIS_MEDIA_URL="$work/media" RELAIS_LOG=warn RELAIS_RESPONSE_CACHE=0 \
    RELAIS_ANONYMOUS_RATE_LIMIT=1000000000 "$bin" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  wrk -t1 -c"$conns" -d2s -s "$work/post.lua" "http://127.0.0.1:$port/graphql" >/dev/null
  local t0 t1 d0 d1 out
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  d0=$(pg_ticks)
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/graphql")
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  d1=$(pg_ticks)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local n errors
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  [ -z "$errors" ] || { echo "$bin: $errors answers were not 200" >&2; exit 1; }
  local hz
  hz=$(getconf CLK_TCK)
  printf '%-24s c%-3s %8s req/s  %6.3f ms CPU/req (db %.3f)  p50 %s\n' "$(basename "$bin")" "$conns" \
    "$(echo "$out" | awk '/^Requests\/sec/ {print $2}')" \
    "$(awk -v a="$t0" -v b="$t1" -v c="$d0" -v d="$d1" -v n="$n" -v hz="$hz" 'BEGIN {print (b - a + d - c) * 1000 / hz / n}')" \
    "$(awk -v c="$d0" -v d="$d1" -v n="$n" -v hz="$hz" 'BEGIN {print (d - c) * 1000 / hz / n}')" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}')"
}
for r in $(seq 1 "$rounds"); do
  # Odd rounds in the order given, even rounds reversed.
  if [ $((r % 2)) -eq 1 ]; then order=("$@"); else order=(); for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done; fi
  for bin in "${order[@]}"; do run "$bin"; done
done
