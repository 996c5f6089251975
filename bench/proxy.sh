#!/usr/bin/env bash
# Benchmark of `otlp-doctor proxy`, run by hand (never by the tests): the same `load` straight
# to rotel (blackhole exporter) and through `proxy --format json >/dev/null` to the same rotel,
# alternating, in one run:
#   1. throughput: spans/s with 4 connections x batches of 512 (median of REPEAT runs), and
#      proxied/direct as a ratio;
#   2. added latency: one connection, batches of 10, at a fixed rate the proxy keeps up with;
#      p50 and p99 of the export round trip direct and proxied, and the difference.
# Results go to stdout as Markdown (docs/performance.md keeps them with the machine and date).
#
# Needs: bash scripts/test-deps.sh (rotel), cargo build --release.
# Usage: bash bench/proxy.sh   (sizes: SPANS=400000 REPEAT=5 LAT_SPANS=20000 LAT_RATE=2000)
set -euo pipefail
cd "$(dirname "$0")/.."

SPANS="${SPANS:-400000}"
REPEAT="${REPEAT:-5}"
LAT_SPANS="${LAT_SPANS:-20000}"
LAT_RATE="${LAT_RATE:-2000}"
BIN="target/release/otlp-doctor"
PYTHON="${PYTHON:-python3}"
# shellcheck source=bench/common.sh
. bench/common.sh

[ -x "$BIN" ] || die "$BIN missing: run cargo build --release"
bench_setup

ROTEL_GRPC="$(free_port)"; ROTEL_HTTP="$(free_port)"
"$ROTEL" start --otlp-grpc-endpoint "127.0.0.1:$ROTEL_GRPC" --otlp-http-endpoint "127.0.0.1:$ROTEL_HTTP" \
    --exporter blackhole --pid-file "$WORK/rotel.pid" --log-file "$WORK/rotel.log" >"$WORK/rotel.out" 2>&1 &
PIDS+=("$!")
PROXY_GRPC="$(free_port)"; PROXY_HTTP="$(free_port)"
"$BIN" proxy --upstream "http://127.0.0.1:$ROTEL_GRPC" --upstream-http "http://127.0.0.1:$ROTEL_HTTP" \
    --grpc-listen "127.0.0.1:$PROXY_GRPC" --http-listen "127.0.0.1:$PROXY_HTTP" --format json >/dev/null 2>"$WORK/proxy.err" &
PIDS+=("$!")
for port in "$ROTEL_GRPC" "$ROTEL_HTTP" "$PROXY_GRPC" "$PROXY_HTTP"; do wait_port "$port"; done

echo "## proxy: through the proxy versus direct to the same rotel ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- rotel-agent $("$ROTEL" --version 2>&1 | awk '{print $NF}') with the blackhole exporter; the proxy prints NDJSON to /dev/null"
echo

# "spans_per_second p50_ms p99_ms" of one load run.
load_once() {
    local url="$1" protocol="$2"; shift 2
    local out
    out="$("$BIN" load "$url" --protocol "$protocol" --format json "$@")" || die "load against $url failed: $out"
    [ "$(echo "$out" | json_field 'd["failed"]["requests"]')" = 0 ] || die "failed requests against $url: $out"
    echo "$out" | json_field "'%.0f %.3f %.3f' % (d['spans_per_second'], d['latency_ms']['p50'], d['latency_ms']['p99'])"
}
median() { sort -n | sed -n "$(((REPEAT + 1) / 2))p"; }

log "warm-up"
"$BIN" load "http://127.0.0.1:$PROXY_GRPC" --protocol grpc --spans 20000 --format json >/dev/null

echo "### Throughput: \`load --spans $SPANS --batch-size 512 --concurrency 4\`, median of $REPEAT runs"
echo
echo "| protocol | path | spans/s | p50 ms | p99 ms | proxied/direct |"
echo "|---|---|---:|---:|---:|---:|"
for protocol in grpc http/protobuf; do
    if [ "$protocol" = grpc ]; then direct="$ROTEL_GRPC"; via="$PROXY_GRPC"; else direct="$ROTEL_HTTP"; via="$PROXY_HTTP"; fi
    d_runs=(); p_runs=()
    for _ in $(seq "$REPEAT"); do
        log "throughput $protocol"
        d_runs+=("$(load_once "http://127.0.0.1:$direct" "$protocol" --spans "$SPANS" --batch-size 512 --concurrency 4)")
        p_runs+=("$(load_once "http://127.0.0.1:$via" "$protocol" --spans "$SPANS" --batch-size 512 --concurrency 4)")
    done
    read -r d_rate d_p50 d_p99 <<<"$(printf '%s\n' "${d_runs[@]}" | median)"
    read -r p_rate p_p50 p_p99 <<<"$(printf '%s\n' "${p_runs[@]}" | median)"
    ratio="$("$PYTHON" -c "print('%.2f' % ($p_rate / $d_rate))")"
    echo "| $protocol | direct | $d_rate | $d_p50 | $d_p99 | |"
    echo "| $protocol | proxy | $p_rate | $p_p50 | $p_p99 | $ratio |"
done
echo

echo "### Added latency: \`load --spans $LAT_SPANS --batch-size 10 --concurrency 1 --rate $LAT_RATE\`, median of $REPEAT runs"
echo
echo "| protocol | direct p50 ms | proxy p50 ms | added p50 ms | direct p99 ms | proxy p99 ms | added p99 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for protocol in grpc http/protobuf; do
    if [ "$protocol" = grpc ]; then direct="$ROTEL_GRPC"; via="$PROXY_GRPC"; else direct="$ROTEL_HTTP"; via="$PROXY_HTTP"; fi
    d_runs=(); p_runs=()
    for _ in $(seq "$REPEAT"); do
        log "latency $protocol"
        d_runs+=("$(load_once "http://127.0.0.1:$direct" "$protocol" --spans "$LAT_SPANS" --batch-size 10 --concurrency 1 --rate "$LAT_RATE" | cut -d' ' -f2-)")
        p_runs+=("$(load_once "http://127.0.0.1:$via" "$protocol" --spans "$LAT_SPANS" --batch-size 10 --concurrency 1 --rate "$LAT_RATE" | cut -d' ' -f2-)")
    done
    read -r d_p50 d_p99 <<<"$(printf '%s\n' "${d_runs[@]}" | median)"
    read -r p_p50 p_p99 <<<"$(printf '%s\n' "${p_runs[@]}" | median)"
    added="$("$PYTHON" -c "print('%.3f %.3f' % ($p_p50 - $d_p50, $p_p99 - $d_p99))")"
    read -r a_p50 a_p99 <<<"$added"
    echo "| $protocol | $d_p50 | $p_p50 | $a_p50 | $d_p99 | $p_p99 | $a_p99 |"
done
