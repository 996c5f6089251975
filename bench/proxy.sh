#!/usr/bin/env bash
# Benchmark of `otlp-doctor proxy`, run by hand (never by the tests): the same `load` straight
# to rotel (blackhole exporter), through `proxy --view items` (every span decoded and printed as
# NDJSON to /dev/null, as a user watching would) and through `proxy --view exports` (one line
# per export, items counted off the wire: the sidecar setting), alternating, in one run:
#   1. throughput: spans/s with 4 connections x batches of 512 (median of REPEAT runs),
#      proxied/direct as a ratio, and the proxy's own CPU time per span;
#   2. added latency: one connection, batches of 10, at a fixed rate the proxy keeps up with;
#      p50 and p99 of the export round trip, and the difference to direct.
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
wait_port "$ROTEL_GRPC"; wait_port "$ROTEL_HTTP"

# Starts a proxy with the given view in front of rotel; sets PORT_grpc_<view>, PORT_http_<view>
# and PID_<view>.
start_proxy() {
    local view="$1" grpc http
    grpc="$(free_port)"; http="$(free_port)"
    "$BIN" proxy --upstream "http://127.0.0.1:$ROTEL_GRPC" --upstream-http "http://127.0.0.1:$ROTEL_HTTP" \
        --grpc-listen "127.0.0.1:$grpc" --http-listen "127.0.0.1:$http" --view "$view" --format json \
        >/dev/null 2>"$WORK/proxy-$view.err" &
    PIDS+=("$!")
    printf -v "PID_$view" '%s' "$!"
    printf -v "PORT_grpc_$view" '%s' "$grpc"
    printf -v "PORT_http_$view" '%s' "$http"
    wait_port "$grpc"; wait_port "$http"
}
start_proxy items
start_proxy exports
PORT_grpc_direct="$ROTEL_GRPC"; PORT_http_direct="$ROTEL_HTTP"
PATHS=(direct items exports)

echo "## proxy: through the proxy versus direct to the same rotel ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- rotel-agent $("$ROTEL" --version 2>&1 | awk '{print $NF}') with the blackhole exporter; both proxies print NDJSON to /dev/null"
echo

# "spans_per_second p50_ms p99_ms proxy_cpu_seconds" of one load run through PATH.
load_once() {
    local path="$1" protocol="$2"; shift 2
    local short="${protocol%%/*}" port pid="" before=0 after=0 out
    port="PORT_${short}_$path"; port="${!port}"
    if [ "$path" != direct ]; then pid="PID_$path"; pid="${!pid}"; before="$(cpu_seconds "$pid")"; fi
    out="$("$BIN" load "http://127.0.0.1:$port" --protocol "$protocol" --format json "$@")" || die "load through $path failed: $out"
    if [ -n "$pid" ]; then after="$(cpu_seconds "$pid")"; fi
    [ "$(echo "$out" | json_field 'd["failed"]["requests"]')" = 0 ] || die "failed requests through $path: $out"
    echo "$out" | json_field "'%.0f %.3f %.3f $("$PYTHON" -c "print('%.3f' % ($after - $before))")' % (d['spans_per_second'], d['latency_ms']['p50'], d['latency_ms']['p99'])"
}
median() { sort -n | sed -n "$(((REPEAT + 1) / 2))p"; }
# The median run of each path, "rate p50 p99 cpu", for one protocol and one load shape; sets
# RESULT_<path>.
measure() {
    local protocol="$1" label="$2"; shift 2
    local -A runs=()
    for _ in $(seq "$REPEAT"); do
        for path in "${PATHS[@]}"; do
            log "$label $protocol $path"
            runs[$path]+="$(load_once "$path" "$protocol" "$@")"$'\n'
        done
    done
    for path in "${PATHS[@]}"; do
        printf -v "RESULT_$path" '%s' "$(printf '%s' "${runs[$path]}" | median)"
    done
}
calc() { "$PYTHON" -c "print($1)"; }

log "warm-up"
for path in items exports; do load_once "$path" grpc --spans 20000 >/dev/null; done

echo "### Throughput: \`load --spans $SPANS --batch-size 512 --concurrency 4\`, median of $REPEAT runs"
echo
echo "| protocol | path | spans/s | p50 ms | p99 ms | proxied/direct | proxy CPU ns/span |"
echo "|---|---|---:|---:|---:|---:|---:|"
for protocol in grpc http/protobuf; do
    measure "$protocol" throughput --spans "$SPANS" --batch-size 512 --concurrency 4
    read -r d_rate d_p50 d_p99 _ <<<"$RESULT_direct"
    echo "| $protocol | direct | $d_rate | $d_p50 | $d_p99 | | |"
    for path in items exports; do
        result="RESULT_$path"; read -r rate p50 p99 cpu <<<"${!result}"
        echo "| $protocol | proxy --view $path | $rate | $p50 | $p99 | $(calc "'%.2f' % ($rate / $d_rate)") | $(calc "'%.0f' % ($cpu * 1e9 / $SPANS)") |"
    done
done
echo

echo "### Added latency: \`load --spans $LAT_SPANS --batch-size 10 --concurrency 1 --rate $LAT_RATE\`, median of $REPEAT runs"
echo
echo "| protocol | path | p50 ms | p99 ms | added p50 ms | added p99 ms |"
echo "|---|---|---:|---:|---:|---:|"
for protocol in grpc http/protobuf; do
    measure "$protocol" latency --spans "$LAT_SPANS" --batch-size 10 --concurrency 1 --rate "$LAT_RATE"
    read -r _ d_p50 d_p99 _ <<<"$RESULT_direct"
    echo "| $protocol | direct | $d_p50 | $d_p99 | | |"
    for path in items exports; do
        result="RESULT_$path"; read -r _ p50 p99 _ <<<"${!result}"
        echo "| $protocol | proxy --view $path | $p50 | $p99 | $(calc "'%.3f' % ($p50 - $d_p50)") | $(calc "'%.3f' % ($p99 - $d_p99)") |"
    done
done
