#!/usr/bin/env bash
# Instructions per span, counted by valgrind's callgrind: figures that do not move with the
# noise of a shared machine (the same binary, input and environment give the same count).
#
#   1. stages:    serve's wire check, decode, NDJSON view, human view, lint, summary and drop, each counted
#                 alone in benches/serve_view.rs (--stage NAME --shape minimal|rich; only the body
#                 of its `counted` function is collected), for load's spans and for spans shaped
#                 like an instrumented HTTP server's
#   2. processes: whole processes under callgrind while `load` sends N spans, minus the same
#                 process started and stopped with nothing sent: serve (human view and lint on,
#                 output to /dev/null) and rotel (blackhole exporter) over OTLP/HTTP and gRPC,
#                 proxy (between load and serve), and load itself (into serve)
#
# Needs: valgrind, bash scripts/test-deps.sh (rotel), cargo build --release,
#        cargo bench --bench serve_view --no-run.
# Usage: bash bench/instructions.sh > counts.md      (SPANS=100000 per process count; ~5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

SPANS="${SPANS:-100000}"
BIN="target/release/otlp-doctor"
PYTHON="${PYTHON:-python3}"
# shellcheck source=bench/common.sh
. bench/common.sh

command -v valgrind >/dev/null || die "valgrind missing: apt-get install valgrind"
[ -x "$BIN" ] || die "$BIN missing: run cargo build --release"
bench_setup
log "building benches/serve_view.rs"
VIEW_BENCH="$(cargo bench --bench serve_view --no-run --message-format=json 2>/dev/null \
    | "$PYTHON" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "serve_view" and m.get("executable"):
        print(m["executable"])')"
[ -x "$VIEW_BENCH" ] || die "benches/serve_view.rs did not build"

# Total instructions callgrind collected, from its summary line on stderr.
collected() { sed -n 's/.*Collected : *//p' "$1" | tr -d ','; }

echo "## Instructions per span (callgrind)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(valgrind --version); $(rustc --version)"
echo "- cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo

# ------------------------------------------------------------------------------------ 1. stages
echo "### serve's stages (benches/serve_view.rs, 200 batches of 512 spans each)"
echo
echo "| stage | load's spans | HTTP server spans |"
echo "|---|---:|---:|"
for stage in check decode ndjson human lint summary drop; do
    row="| $stage |"
    for shape in minimal rich; do
        valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*serve_view::counted*' \
            --callgrind-out-file="$WORK/stage.out" "$VIEW_BENCH" --bench --stage "$stage" --shape "$shape" \
            >"$WORK/stage.stdout" 2>"$WORK/stage.err"
        spans="$(awk '/^spans/ { print $2 }' "$WORK/stage.stdout")"
        row="$row $(( $(collected "$WORK/stage.err") / spans )) |"
    done
    echo "$row"
done
echo

# ------------------------------------------------------------------------------------ 2. processes
# Starts "$@" under callgrind in the background; sets CG_PID and CG_ERR.
start_counted() {
    local name="$1"; shift
    CG_ERR="$WORK/$name.err"
    valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.cg" "$@" >/dev/null 2>"$CG_ERR" &
    CG_PID=$!; PIDS+=("$CG_PID")
}

# Stops a counted process as Ctrl-C would and prints its total instructions.
stop_counted() {
    local pid="$1" err="$2" deadline=$((SECONDS + 120))
    kill -INT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { kill -9 "$pid"; die "pid $pid did not stop"; }
        sleep 0.2
    done
    collected "$err"
}

send() { # URL PROTOCOL SPANS
    "$BIN" load "$1" --protocol "$2" --spans "$3" --batch-size 512 --concurrency 4 --timeout 60s \
        --format json >/dev/null
}

# Instructions a server process spends per span: started, loaded with SPANS spans, stopped; minus
# a run with a single span (start-up, listening and shutdown cost the same in both). In the
# command, @PORT@ is the port load sends to and @OTHER@ a second free port.
server_per_span() { # NAME PROTOCOL COMMAND...
    local name="$1" protocol="$2" port other spans word runs=()
    shift 2
    for spans in 1 "$SPANS"; do
        port="$(free_port)"; other="$(free_port)"
        local cmd=()
        for word in "$@"; do word="${word//@PORT@/$port}"; cmd+=("${word//@OTHER@/$other}"); done
        start_counted "$name" "${cmd[@]}"
        wait_port "$port"
        send "http://127.0.0.1:$port" "$protocol" "$spans"
        sleep 1 # a server that answers before it shows finishes its work
        runs+=("$(stop_counted "$CG_PID" "$CG_ERR")")
    done
    echo $(( (runs[1] - runs[0]) / (SPANS - 1) ))
}

log "process counts: $SPANS spans each"
echo "### Whole processes ($SPANS spans of \`load\`, batches of 512; start-up and shutdown subtracted)"
echo
echo "| process | protocol | instructions per span | serve / rotel |"
echo "|---|---|---:|---:|"
for protocol in http/protobuf grpc; do
    if [ "$protocol" = grpc ]; then
        listen=(--grpc-listen "127.0.0.1:@PORT@" --http-listen "127.0.0.1:@OTHER@")
        rotel_listen=(--otlp-grpc-endpoint "127.0.0.1:@PORT@" --otlp-http-endpoint "127.0.0.1:@OTHER@")
    else
        listen=(--http-listen "127.0.0.1:@PORT@" --grpc-listen "127.0.0.1:@OTHER@")
        rotel_listen=(--otlp-http-endpoint "127.0.0.1:@PORT@" --otlp-grpc-endpoint "127.0.0.1:@OTHER@")
    fi
    serve="$(server_per_span serve "$protocol" "$BIN" serve "${listen[@]}")"
    rotel="$(server_per_span rotel "$protocol" "$ROTEL" start "${rotel_listen[@]}" --exporter blackhole)"
    ratio="$("$PYTHON" -c "print(f'{$serve / $rotel:.2f}')")"
    echo "| serve (human view, lint) | $protocol | $serve | $ratio |"
    echo "| rotel (blackhole) | $protocol | $rotel | |"
done

# proxy and load: a plain serve (not counted) is the far end.
FAR_HTTP="$(free_port)"; FAR_GRPC="$(free_port)"
"$BIN" serve --http-listen "127.0.0.1:$FAR_HTTP" --grpc-listen "127.0.0.1:$FAR_GRPC" --format json >/dev/null 2>&1 &
PIDS+=("$!")
wait_port "$FAR_HTTP"
proxy="$(server_per_span proxy http/protobuf "$BIN" proxy --http-listen "127.0.0.1:@PORT@" \
    --grpc-listen "127.0.0.1:@OTHER@" --upstream "http://127.0.0.1:$FAR_HTTP" --format json)"
echo "| proxy (to serve) | http/protobuf | $proxy | |"

load_runs=()
for spans in 1 "$SPANS"; do
    valgrind --tool=callgrind --callgrind-out-file="$WORK/load.cg" "$BIN" load "http://127.0.0.1:$FAR_HTTP" \
        --protocol http/protobuf --spans "$spans" --batch-size 512 --concurrency 4 --format json \
        >/dev/null 2>"$WORK/load.err"
    load_runs+=("$(collected "$WORK/load.err")")
done
echo "| load (to serve) | http/protobuf | $(( (load_runs[1] - load_runs[0]) / (SPANS - 1) )) | |"
echo
