#!/usr/bin/env bash
# Media benchmark: how long a 2000-pixel photo takes to become a 400-pixel WebP
# (cargo bench --bench media), and how many requests per second an already-made
# variant is served at, beside a fixed-body handler of the same server (the
# ceiling) and a document served from the same store. Loopback only, bounded:
# 10 s per run after a warm-up. Needs wrk (installed from Debian if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get install -y wrk >/dev/null
fi
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill ${pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
cargo bench --quiet --bench media -- --write "$work/photo.jpg"

port=${PORT:-4099}
export RELAIS_DATABASE_URL="sqlite:$work/db.sqlite" RELAIS_MEDIA_URL="$work/media" RELAIS_LOG=warn
RELAIS_PASSWORD='a benchmark password' ./target/release/relais user create --email bench@example.org --role EDITOR >/dev/null
./target/release/relais serve --addr "127.0.0.1:$port" &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/graphql"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token=$(curl -s "$url" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(email: \"bench@example.org\", password: \"a benchmark password\") { token } }"}' | json 'd["data"]["login"]["token"]')
upload() {
  curl -s "$url" -H "authorization: Bearer $token" \
    -F "operations={\"query\":\"mutation(\$f: Upload!) { uploadMedia(file: \$f) { url(transform: { width: 400 }) downloadUrl } }\",\"variables\":{\"f\":null}}" \
    -F 'map={"0":["variables.f"]}' -F "0=@$1"
}
variant=$(upload "$work/photo.jpg" | json 'd["data"]["uploadMedia"]["url"]')
head -c 20000 /dev/urandom > "$work/blob"; printf '%%PDF-1.4\n' | cat - "$work/blob" > "$work/doc.pdf"; printf '\n%%%%EOF\n' >> "$work/doc.pdf"
doc=$(upload "$work/doc.pdf" | json 'd["data"]["uploadMedia"]["downloadUrl"]')
first=$(curl -s -o /dev/null -w '%{time_total}' "$variant")
size=$(curl -s "$variant" | wc -c)
echo "first request for the variant (made on demand): ${first}s; variant size ${size} bytes"

run() { # name url
  wrk -t2 -c32 -d3s "$2" >/dev/null 2>&1 # warm-up
  local out; out=$(wrk -t2 -c32 -d10s --latency "$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-44s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$p50" "$p99"
}
echo "wrk, 2 threads, 32 connections, 10 s, loopback:"
run "stored variant (400 px WebP, ${size} B)" "$variant"
run "document from the same store (20 KB PDF)" "$doc"
run "fixed-body handler (/health, ceiling)" "http://127.0.0.1:$port/health"
