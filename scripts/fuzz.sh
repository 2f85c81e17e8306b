#!/usr/bin/env bash
# Fuzzing: runs every cargo-fuzz target in fuzz/ for SECONDS_PER_TARGET
# (default 600) on the stable toolchain (`-s none`: libFuzzer's coverage
# guidance without a sanitizer, which needs nightly), then prints per target
# the runs, executions per second, coverage and whether it found a crash or a
# timeout. Exits non-zero if any target did; the input that did it is in
# fuzz/artifacts/<target>/ (reproduce with `cargo fuzz run -s none
# --codegen-units 16 <target> <file>` in fuzz/), the whole log in
# fuzz/logs/<target>.log. Inputs that once failed go in fuzz/regressions/<target>/
# and are run again first on every run.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]
#
# FUZZ_TARGETS="richtext image" limits the run to those targets;
# FUZZ_SKIP_BUILD=1 runs them as last built.
# CARGO_BUILD_JOBS is passed to cargo as usual (set it to 1 to leave a core).
# The fuzz crate has a workspace, a lock file and a target directory of its
# own, so it never touches the main build.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs="${1:-600}"
case "$secs" in '' | *[!0-9]*)
  echo "usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
  ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
command -v c++ >/dev/null || { echo "libFuzzer is built from C++: install g++" >&2; exit 1; }

# 16 codegen units: a faster build than with cargo-fuzz's default of one,
# for a few percent of speed. The targets are built once, then run as they are
# (what `cargo fuzz run` does after building again).
build=(-s none --codegen-units 16)
bin=target/x86_64-unknown-linux-gnu/release

read -r -a targets <<<"${FUZZ_TARGETS:-$(cargo fuzz list | tr '\n' ' ')}"
if [ -n "${FUZZ_SKIP_BUILD:-}" ]; then
  echo "== running ${targets[*]} as last built (FUZZ_SKIP_BUILD)"
else
  echo "== building ${targets[*]}"
  cargo fuzz build "${build[@]}"
fi

# Dictionaries: the schema's names for the GraphQL targets, Markdown and
# multipart tokens for the others.
mkdir -p logs target/dicts
{
  for t in '{' '}' '(' ')' '[' ']' ':' '$' '!' '@' '...' '"' '"""' '#' '=' ','; do printf '"%s"\n' "$t"; done
  for k in query mutation subscription fragment on true false null __schema __type __typename \
    '"query"' '"variables"' '"operationName"' '"extensions"' '"persistedQuery"' '"sha256Hash"'; do
    printf '"%s"\n' "${k//\"/\\\"}"
  done
  grep -o '[A-Za-z_][A-Za-z0-9_]*' ../schema.graphql | sort -u | sed 's/.*/"&"/'
} >target/dicts/graphql.dict
cat target/dicts/graphql.dict dicts/multipart.dict >target/dicts/multipart.dict
cp dicts/richtext.dict target/dicts/richtext.dict

# The databases and media folders of the targets go into a folder of their own.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"

declare -A summary
failed=0
for t in "${targets[@]}"; do
  # Longest input, and a time past which one input counts as hung: above the
  # server's own 5 s query timeout, and room for decoding a large image.
  case "$t" in
    graphql_request | filters) opts=(-max_len=8192 -timeout=30) ;;
    multipart) opts=(-max_len=65536 -timeout=60) ;;
    image) opts=(-max_len=65536 -timeout=60) ;;
    *) opts=(-max_len=16384 -timeout=30) ;;
  esac
  case "$t" in
    graphql_request | filters) opts+=(-dict=target/dicts/graphql.dict) ;;
    multipart | richtext) opts+=(-dict="target/dicts/$t.dict") ;;
  esac
  mkdir -p "corpus/$t" "artifacts/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds+=("seeds/$t")
  [ -d "regressions/$t" ] && seeds+=("regressions/$t")
  echo "== $t: ${secs}s"
  log="logs/$t.log"
  status=0
  "$bin/$t" "corpus/$t" "${seeds[@]}" \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 -malloc_limit_mb=4096 \
    -artifact_prefix="artifacts/$t/" "${opts[@]}" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")
  result="ok"
  if [ "$status" -ne 0 ]; then
    failed=1
    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
      result="TIMEOUT"
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
      result="OUT-OF-MEMORY"
    elif grep -qE 'ERROR: libFuzzer: (deadly signal|crash)|panicked at' "$log"; then
      result="CRASH"
    else
      result="FAILED (exit $status)"
    fi
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
    result="$result${artifact:+: fuzz/$artifact}"
    grep -m1 -E 'panicked at|ERROR: libFuzzer' -A3 "$log" | sed 's/^/    /' || true
  fi
  summary[$t]=$(printf '%-16s %12s %8s %7s %8s %7s %8s  %s' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "${rss:-?}" "$result")
  echo "${summary[$t]}"
done

echo
echo "== fuzzing, ${secs}s per target (stable toolchain, -s none)"
printf '%-16s %12s %8s %7s %8s %7s %8s  %s\n' target runs exec/s cov features corpus 'rss MB' result
for t in "${targets[@]}"; do echo "${summary[$t]}"; done
if [ "$failed" -ne 0 ]; then
  echo "fuzzing found a crash, a timeout or a failure (logs in fuzz/logs/)" >&2
  exit 1
fi
echo "no crash, panic or timeout"
