#!/usr/bin/env bash
# The SDK soak, run by hand (a short version runs in the tests: tests/it/soak.rs): SENDERS
# concurrent senders of each real SDK client (tests/sdk-clients/, soak mode) → one
# `otlp-doctor proxy` → `serve --save`, all on 127.0.0.1. Mid-run the upstream serve is
# SIGKILLed and, DOWN_SECONDS later, restarted on the same ports: the SDKs' retries must carry
# the data, and the proxy must neither drop nor double what it accepted. At the end
# bench/soak_count.py counts every span both serve instances saved, per sender, and the table
# gives per SDK: sent, received, missing, duplicated (a duplicate whose first copy the killed
# instance saved is the SDK retrying a request that instance never answered; any other is
# counted apart), the SDK's own reported failures and the slowest sender's time; then wall time
# and the proxy's RSS. Results go to stdout as Markdown; SOAK_JSON=FILE also writes the counts.
#
# Odd senders export over gRPC, even ones over OTLP/HTTP (protobuf). Each sender sends its
# spans in chunks with a flush after each (so its SDK's queue never overflows), the chunks paced
# evenly over PACE_SECONDS; the kill comes at KILL_AFTER seconds, while every sender is still
# running unless it cannot keep up. A chunk is CHUNK spans, by default as many as make every
# sender flush at least twice while the upstream is down (at most 2048, the SDKs' default queue),
# so every sender has exports in flight through the outage. The Python SDK is slow (about 20k spans per CPU second), so each SDK gets a
# share of SPANS it can send in bounded time: SHARES (percent per SDK).
#
# Needs: bash scripts/peers/sdk-clients.sh, cargo build --release.
# Usage: bash bench/soak.sh   (SPANS=10000000 SENDERS=8 PACE_SECONDS=300 KILL_AFTER=150
#        DOWN_SECONDS=3 CHUNK=auto TIMEOUT=1500 PROXY_VIEW=items SDKS="go java node python rust"
#        SHARES="go=30 java=20 node=15 python=5 rust=30" BIN=target/release/otlp-doctor)
set -euo pipefail
cd "$(dirname "$0")/.."

SPANS="${SPANS:-10000000}"
SENDERS="${SENDERS:-8}"
PACE_SECONDS="${PACE_SECONDS:-300}"
KILL_AFTER="${KILL_AFTER:-$((PACE_SECONDS / 2))}"
DOWN_SECONDS="${DOWN_SECONDS:-3}"
CHUNK="${CHUNK:-auto}"
TIMEOUT="${TIMEOUT:-1500}"
PROXY_VIEW="${PROXY_VIEW:-items}"
SDKS="${SDKS:-go java node python rust}"
SHARES="${SHARES:-go=30 java=20 node=15 python=5 rust=30}"
BIN="${BIN:-target/release/otlp-doctor}"
PYTHON="${PYTHON:-python3}"
CLIENTS="${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/sdk-clients"
# shellcheck source=bench/common.sh
. bench/common.sh

[ -x "$BIN" ] || die "$BIN missing: run cargo build --release"
for sdk in $SDKS; do
    [ -x "$CLIENTS/$sdk/run" ] || die "the $sdk SDK client is not built ($CLIENTS/$sdk/run missing): run bash scripts/peers/sdk-clients.sh"
done
# The senders are configured by what this script sets, not by the caller's environment.
for name in $(compgen -e); do
    case "${name,,}" in
        otel_*|http_proxy|https_proxy|all_proxy|no_proxy|grpc_proxy|no_grpc_proxy) unset "$name" ;;
    esac
done

WORK="$(mktemp -d /tmp/otlp-doctor-soak.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
START=$SECONDS
DEADLINE=$((SECONDS + TIMEOUT))

SERVE_GRPC="$(free_port)"; SERVE_HTTP="$(free_port)"
PROXY_GRPC="$(free_port)"; PROXY_HTTP="$(free_port)"; PROXY_METRICS="$(free_port)"

# Starts serve on the fixed ports, saving to $1; its NDJSON (less the span lines) goes to $2.
start_serve() {
    local save="$1" out="$2" tries=0
    while :; do
        "$BIN" serve --grpc-listen "127.0.0.1:$SERVE_GRPC" --http-listen "127.0.0.1:$SERVE_HTTP" \
            --format json --save "$save" > >(grep --line-buffered -F -v '{"kind":"span"' >"$out") 2>>"$WORK/serve.err" &
        SERVE_PID=$!
        PIDS+=("$SERVE_PID")
        local until=$((SECONDS + 5))
        while kill -0 "$SERVE_PID" 2>/dev/null && ! grep -q '"kind":"listening"' "$out" 2>/dev/null; do
            [ "$SECONDS" -lt "$until" ] || break
            sleep 0.02
        done
        grep -q '"kind":"listening"' "$out" 2>/dev/null && return 0
        kill -KILL "$SERVE_PID" 2>/dev/null || true
        tries=$((tries + 1))
        [ "$tries" -lt 20 ] || die "serve did not start again on its ports: $(tail -3 "$WORK/serve.err")"
        sleep 0.1
    done
}
start_serve "$WORK/killed.jsonl" "$WORK/serve-killed.out"

"$BIN" proxy --upstream "http://127.0.0.1:$SERVE_GRPC" --upstream-http "http://127.0.0.1:$SERVE_HTTP" \
    --grpc-listen "127.0.0.1:$PROXY_GRPC" --http-listen "127.0.0.1:$PROXY_HTTP" \
    --metrics-listen "127.0.0.1:$PROXY_METRICS" --view "$PROXY_VIEW" --format json \
    > >(grep --line-buffered -F -v '{"kind":"span"' >"$WORK/proxy.out") 2>"$WORK/proxy.err" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
wait_port "$PROXY_GRPC"; wait_port "$PROXY_HTTP"; wait_port "$PROXY_METRICS"

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
( while kill -0 "$PROXY_PID" 2>/dev/null; do echo "$((SECONDS - START)) $(rss_kib "$PROXY_PID")"; sleep 1; done ) >"$WORK/rss.log" &
PIDS+=("$!")

share() { local pair; for pair in $SHARES; do [ "${pair%%=*}" = "$1" ] && { echo "${pair#*=}"; return; }; done; echo 0; }
declare -A SENDER_PID=()
CHUNKS=""
: >"$WORK/senders.tsv.part"
for sdk in $SDKS; do
    per_sender=$((SPANS * $(share "$sdk") / 100 / SENDERS))
    [ "$per_sender" -gt 0 ] || die "SHARES gives $sdk no spans"
    chunk="$CHUNK"
    if [ "$chunk" = auto ]; then
        chunk="$(awk -v n="$per_sender" -v down="$DOWN_SECONDS" -v pace="$PACE_SECONDS" \
            'BEGIN { c = int(n * down / (2 * pace)); if (c > 2048) c = 2048; if (c < 1) c = 1; print c }')"
    fi
    CHUNKS+="$sdk=$chunk "
    for index in $(seq 1 "$SENDERS"); do
        if [ $((index % 2)) = 1 ]; then protocol=grpc; port=$PROXY_GRPC; else protocol=http/protobuf; port=$PROXY_HTTP; fi
        name="$sdk-$index"
        env OTEL_SERVICE_NAME="soak-$sdk" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
            OTEL_EXPORTER_OTLP_PROTOCOL="$protocol" OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=none \
            OTEL_LOGS_EXPORTER=none SOAK_SPANS="$per_sender" SOAK_SENDER="$name" SOAK_SECONDS="$PACE_SECONDS" SOAK_CHUNK="$chunk" \
            timeout -s KILL "$TIMEOUT" "$CLIENTS/$sdk/run" >"$WORK/$name.out" 2>"$WORK/$name.err" &
        SENDER_PID[$name]=$!
        PIDS+=("$!")
        printf '%s\t%s\t%s\n' "$sdk" "$name" "$per_sender" >>"$WORK/senders.tsv.part"
    done
done
log "$((${#SENDER_PID[@]})) senders started, $SPANS spans; the upstream is killed at ${KILL_AFTER}s"

running() { local n=0 pid; for pid in "${SENDER_PID[@]}"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }
KILL_AT=$((SECONDS + KILL_AFTER))
while [ "$SECONDS" -lt "$KILL_AT" ] && [ "$(running)" -gt 0 ]; do sleep 0.2; done
declare -A AT_KILL=()
for name in "${!SENDER_PID[@]}"; do
    if kill -0 "${SENDER_PID[$name]}" 2>/dev/null; then AT_KILL[$name]=1; else AT_KILL[$name]=0; fi
done
KILLED_AT=$((SECONDS - START))
RSS_AT_KILL="$(rss_kib "$PROXY_PID")"
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
log "upstream SIGKILLed at ${KILLED_AT}s with $(running) senders running; restarting it in ${DOWN_SECONDS}s"
sleep "$DOWN_SECONDS"
start_serve "$WORK/restarted.jsonl" "$WORK/serve-restarted.out"
log "upstream restarted"

while [ "$(running)" -gt 0 ]; do
    [ "$SECONDS" -lt "$DEADLINE" ] || { log "global timeout (${TIMEOUT}s): killing $(running) senders"; break; }
    sleep 0.5
done
for name in "${!SENDER_PID[@]}"; do kill -KILL "${SENDER_PID[$name]}" 2>/dev/null || true; done
: >"$WORK/senders.tsv"
while IFS=$'\t' read -r sdk name planned; do
    status=0; wait "${SENDER_PID[$name]}" 2>/dev/null || status=$?
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$sdk" "$name" "$planned" "${AT_KILL[$name]}" "$status" "$WORK/$name.out" >>"$WORK/senders.tsv"
done <"$WORK/senders.tsv.part"
WALL=$((SECONDS - START))

# The proxy's own counts, then its summary (SIGINT drains what is in flight); then serve's.
"$PYTHON" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
    "http://127.0.0.1:$PROXY_METRICS/metrics" >"$WORK/metrics.txt"
RSS_END="$(rss_kib "$PROXY_PID")"
kill -INT "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
kill -INT "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
sleep 0.2
RSS_MAX="$(awk '$2 > m { m = $2 } END { print m + 0 }' "$WORK/rss.log")"
# After warm-up: the first sample past a tenth of the run.
RSS_WARM="$(awk -v t="$((WALL / 10))" '$1 >= t { print $2; exit }' "$WORK/rss.log")"
DROPPED="$("$PYTHON" -c 'import json, sys
for line in open(sys.argv[1]):
    if "\"kind\":\"summary\"" in line: print(json.loads(line).get("dropped"))' "$WORK/serve-restarted.out")"

echo "## soak: $SENDERS senders per SDK → proxy → serve, upstream SIGKILLed and restarted ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- \`SPANS=$SPANS SENDERS=$SENDERS SHARES=\"$SHARES\" PACE_SECONDS=$PACE_SECONDS KILL_AFTER=$KILL_AFTER DOWN_SECONDS=$DOWN_SECONDS CHUNK=$CHUNK PROXY_VIEW=$PROXY_VIEW bash bench/soak.sh\`"
echo "- spans per sender and flush: ${CHUNKS% }"
echo "- wall ${WALL}s; upstream SIGKILLed at ${KILLED_AT}s, restarted ${DOWN_SECONDS}s later; the restarted serve dropped ${DROPPED:-?} batches (its summary)"
echo "- proxy RSS: ${RSS_WARM:-?} KiB after warm-up, $RSS_AT_KILL KiB at the kill, $RSS_MAX KiB at most, $RSS_END KiB at the end"
echo
"$PYTHON" bench/soak_count.py --manifest "$WORK/senders.tsv" --killed "$WORK/killed.jsonl" \
    --restarted "$WORK/restarted.jsonl" --proxy-metrics "$WORK/metrics.txt" --proxy-summary "$WORK/proxy.out" \
    --markdown --json "${SOAK_JSON:-/dev/null}" --run "wall_seconds=$WALL" --run "killed_at_seconds=$KILLED_AT" \
    --run "down_seconds=$DOWN_SECONDS" --run "proxy_rss_kib_warm=${RSS_WARM:-0}" --run "proxy_rss_kib_at_kill=$RSS_AT_KILL" \
    --run "proxy_rss_kib_max=$RSS_MAX" --run "proxy_rss_kib_end=$RSS_END" --run "restarted_serve_dropped=${DROPPED:-0}"
