#!/usr/bin/env bash
# Benchmarks of otlp-doctor on this machine, run by hand (never by the tests):
#   1. ingest:     the same `load` against `otlp-doctor serve` and against rotel (blackhole
#                  exporter), over gRPC and OTLP/HTTP: spans/s, p99, server CPU, serve/rotel ratio;
#                  then more load than serve's queue holds, to see what it keeps up with
#   2. generation: `load` spans per CPU second versus the OpenTelemetry Python SDK
#                  (bench/python_load.py) and the opentelemetry-rust SDK (examples/rust_sdk_load.rs),
#                  all exporting over gRPC to the same rotel
#   3. check:      `check` wall time on a healthy endpoint (rotel) and on a silent one (accepts
#                  TCP, never answers) versus its --timeout
# Every ratio compares numbers measured in the same run. Results go to stdout as Markdown.
#
# Needs: bash scripts/test-deps.sh (rotel, Python SDK), cargo build --release; hyperfine is used
# when installed (apt-get install hyperfine), else a loop with `date +%s%N`.
# Usage: bash bench/run.sh   (sizes: SPANS=400000 SUSTAIN_SPANS=1000000 GEN_SPANS=1000000
#                                   PY_SPANS=200000 REPEAT=5 CHECK_TIMEOUT=2s;
#                         SECTIONS="ingest sustained generation check" SERVE_FORMAT=human|json)
set -euo pipefail
cd "$(dirname "$0")/.."

SPANS="${SPANS:-400000}"          # items per ingest measurement (within serve's queue of 1024 batches of 512)
SUSTAIN_SPANS="${SUSTAIN_SPANS:-1000000}" # more than serve's queue (1024 batches of 512)
GEN_SPANS="${GEN_SPANS:-1000000}" # items per generation measurement (load, Rust SDK)
PY_SPANS="${PY_SPANS:-200000}"    # the Python SDK is ~100x slower: fewer spans keep it short
REPEAT="${REPEAT:-5}"             # ingest runs per cell, serve and rotel alternating; the median (by spans/s) is reported
CHECK_TIMEOUT="${CHECK_TIMEOUT:-2s}"
SECTIONS="${SECTIONS:-ingest sustained generation check}" # which parts to run
SERVE_FORMAT="${SERVE_FORMAT:-human}" # serve's live output in the ingest runs (human view or json)

BIN="target/release/otlp-doctor"
RUST_SDK="target/release/examples/rust_sdk_load"
PYTHON="${PYTHON:-python3}"
# shellcheck source=bench/common.sh
. bench/common.sh

[ -x "$BIN" ] || die "$BIN missing: run cargo build --release"
bench_setup
log "building the opentelemetry-rust SDK peer (cargo build --release --example rust_sdk_load)"
cargo build --release --quiet --example rust_sdk_load
[ -x "$RUST_SDK" ] || die "$RUST_SDK missing"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"

now_ns() { date +%s%N; }

# True when section $1 is in SECTIONS.
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

# utime + stime of a process, in clock ticks (1/100 s).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# Waits until a process has used no CPU for 3 polls 50 ms apart; prints when it last was busy (ns).
wait_idle() {
    local pid="$1" last now idle=0 busy_at
    last="$(cpu_ticks "$pid")"; busy_at="$(now_ns)"
    while [ "$idle" -lt 3 ]; do
        sleep 0.05
        now="$(cpu_ticks "$pid")"
        if [ "$now" = "$last" ]; then idle=$((idle + 1)); else idle=0; last="$now"; busy_at="$(now_ns)"; fi
    done
    echo "$busy_at"
}

# ------------------------------------------------------------------------------------ peers
ROTEL_GRPC="$(free_port)"; ROTEL_HTTP="$(free_port)"
"$ROTEL" start --otlp-grpc-endpoint "127.0.0.1:$ROTEL_GRPC" --otlp-http-endpoint "127.0.0.1:$ROTEL_HTTP" \
    --exporter blackhole --pid-file "$WORK/rotel.pid" --log-file "$WORK/rotel.log" >"$WORK/rotel.out" 2>&1 &
ROTEL_PID=$!; PIDS+=("$ROTEL_PID")
SERVE_GRPC="$(free_port)"; SERVE_HTTP="$(free_port)"
"$BIN" serve --grpc-listen "127.0.0.1:$SERVE_GRPC" --http-listen "127.0.0.1:$SERVE_HTTP" --format "$SERVE_FORMAT" >/dev/null 2>"$WORK/serve.err" &
SERVE_PID=$!; PIDS+=("$SERVE_PID")
for port in "$ROTEL_GRPC" "$ROTEL_HTTP" "$SERVE_GRPC" "$SERVE_HTTP"; do wait_port "$port"; done

# ------------------------------------------------------------------------------------ machine
echo "## Machine"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- kernel: $(uname -r); $(rustc --version)"
echo "- load average at start (other work on the machine): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- peers: rotel-agent $("$ROTEL" --version 2>&1 | awk '{print $NF}'), opentelemetry-sdk (Python) $("$PYTHON" -m pip show opentelemetry-sdk 2>/dev/null | sed -n 's/^Version: //p'), opentelemetry_sdk (Rust) $(sed -n '/^name = "opentelemetry_sdk"/{n;s/version = //p}' Cargo.lock | tr -d '"')"
echo

# ------------------------------------------------------------------------------------ 1. ingest
if want ingest; then
# One load run against a server process; prints "spans_per_second p99_ms server_cpu_s drained_s".
ingest_once() {
    local url="$1" protocol="$2" pid="$3" before after started busy out
    before="$(cpu_ticks "$pid")"; started="$(now_ns)"
    out="$("$BIN" load "$url" --protocol "$protocol" --spans "$SPANS" --batch-size 512 --concurrency 4 --format json)" \
        || die "load against $url failed: $out"
    [ "$(echo "$out" | json_field 'd["failed"]["requests"]')" = 0 ] || die "failed requests against $url: $out"
    busy="$(wait_idle "$pid")"; after="$(cpu_ticks "$pid")"
    echo "$out" | json_field "'%.0f %.2f %.2f %.2f' % (d['spans_per_second'], d['latency_ms']['p99'], ($after - $before) / 100, ($busy - $started) / 1e9)"
}

# The median run (by spans/s) of the lines on stdin.
median_run() { sort -n | sed -n "$(((REPEAT + 1) / 2))p"; }

log "ingest: $SPANS spans x $REPEAT runs per cell"
echo "## 1. Ingest: the same load against serve and rotel"
echo
echo "\`otlp-doctor load URL --protocol P --spans $SPANS --batch-size 512 --concurrency 4 --format json\`, median of $REPEAT runs."
echo "Server CPU: utime+stime of the server process from the start of the load until it went idle;"
echo "drained: until then (serve answers before it prints, so it may keep working after \`load\` ends)."
echo
echo "| protocol | server | spans/s | p99 ms | server CPU s | drained s | serve/rotel spans/s |"
echo "|---|---|---:|---:|---:|---:|---:|"
"$BIN" load "http://127.0.0.1:$SERVE_GRPC" --protocol grpc --spans 20000 --format json >/dev/null  # warm-up
"$BIN" load "http://127.0.0.1:$ROTEL_GRPC" --protocol grpc --spans 20000 --format json >/dev/null
wait_idle "$SERVE_PID" >/dev/null
for protocol in grpc http/protobuf; do
    if [ "$protocol" = grpc ]; then s_port="$SERVE_GRPC"; r_port="$ROTEL_GRPC"; else s_port="$SERVE_HTTP"; r_port="$ROTEL_HTTP"; fi
    # Alternating serve and rotel runs, so that other work on the machine weighs on both alike.
    s_runs=(); r_runs=()
    for _ in $(seq "$REPEAT"); do
        s_runs+=("$(ingest_once "http://127.0.0.1:$s_port" "$protocol" "$SERVE_PID")")
        r_runs+=("$(ingest_once "http://127.0.0.1:$r_port" "$protocol" "$ROTEL_PID")")
    done
    read -r s_rate s_p99 s_cpu s_drain <<<"$(printf '%s\n' "${s_runs[@]}" | median_run)"
    read -r r_rate r_p99 r_cpu r_drain <<<"$(printf '%s\n' "${r_runs[@]}" | median_run)"
    ratio="$(awk -v a="$s_rate" -v b="$r_rate" 'BEGIN { printf "%.2f", a / b }')"
    echo "| $protocol | serve --format $SERVE_FORMAT >/dev/null | $s_rate | $s_p99 | $s_cpu | $s_drain | $ratio |"
    echo "| $protocol | rotel --exporter blackhole | $r_rate | $r_p99 | $r_cpu | $r_drain | |"
done
echo

fi

if want sustained; then
# A fresh serve whose summary line (its last) is kept; more load than its queue holds.
log "sustained: $SUSTAIN_SPANS spans over OTLP/HTTP to a fresh serve"
SUSTAIN_GRPC="$(free_port)"; SUSTAIN_HTTP="$(free_port)"
"$BIN" serve --grpc-listen "127.0.0.1:$SUSTAIN_GRPC" --http-listen "127.0.0.1:$SUSTAIN_HTTP" --format json \
    > >(tail -n 1 >"$WORK/summary.json") 2>/dev/null &
SUSTAIN_PID=$!; PIDS+=("$SUSTAIN_PID")
wait_port "$SUSTAIN_HTTP"
started="$(now_ns)"
out="$("$BIN" load "http://127.0.0.1:$SUSTAIN_HTTP" --spans "$SUSTAIN_SPANS" --format json)"
busy="$(wait_idle "$SUSTAIN_PID")"
kill -INT "$SUSTAIN_PID"; wait "$SUSTAIN_PID" 2>/dev/null || true
sleep 0.2
sent_rate="$(echo "$out" | json_field "'%.0f' % d['spans_per_second']")"
processed="$(json_field "sum(s.get('spans', 0) for s in d['services'].values())" <"$WORK/summary.json")"
drain_s="$(awk -v b="$busy" -v s="$started" 'BEGIN { printf "%.2f", (b - s) / 1e9 }')"
kept_rate="$(awk -v p="$processed" -v d="$drain_s" 'BEGIN { printf "%.0f", p / d }')"
echo "Sustained: \`load --spans $SUSTAIN_SPANS\` over OTLP/HTTP to a fresh \`serve --format json\`: every request"
echo "was answered at $sent_rate spans/s; serve's summary counts $processed of the $SUSTAIN_SPANS spans,"
echo "processed at $kept_rate spans/s (until it went idle, $drain_s s after the load started)."
if [ "$processed" -lt "$SUSTAIN_SPANS" ]; then
    echo "The other $((SUSTAIN_SPANS - processed)) spans were accepted but dropped: serve's queue was full."
fi
echo

fi

# ------------------------------------------------------------------------------------ 2. generation
if want generation; then
# Runs a generator under /usr/bin/time; prints "spans cpu_s wall_s".
generate() {
    local spans="$1"; shift
    /usr/bin/time -f '%U %S %e' -o "$WORK/time" "$@" >"$WORK/gen.out" 2>"$WORK/gen.err" \
        || die "$* failed: $(cat "$WORK/gen.err")"
    awk -v n="$spans" '{ printf "%d %.2f %.2f\n", n, $1 + $2, $3 }' "$WORK/time"
}

log "generation: load and the Rust SDK with $GEN_SPANS spans, the Python SDK with $PY_SPANS"
ROTEL_URL="http://127.0.0.1:$ROTEL_GRPC"
read -r l_n l_cpu l_wall <<<"$(generate "$GEN_SPANS" "$BIN" load "$ROTEL_URL" --protocol grpc --spans "$GEN_SPANS" --format json)"
[ "$(json_field 'd["failed"]["requests"]' <"$WORK/gen.out")" = 0 ] || die "load had failures: $(cat "$WORK/gen.out")"
read -r r_n r_cpu r_wall <<<"$(generate "$GEN_SPANS" "$RUST_SDK" "$ROTEL_URL" "$GEN_SPANS")"
read -r p_n p_cpu p_wall <<<"$(generate "$PY_SPANS" "$PYTHON" bench/python_load.py "$ROTEL_URL" "$PY_SPANS")"
p_exported="$(json_field 'd["exported"]' <"$WORK/gen.out")"
[ "$p_exported" = "$PY_SPANS" ] || log "warning: the Python SDK exported $p_exported of $PY_SPANS spans"
per_core() { awk -v n="$1" -v c="$2" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }'; }
l_core="$(per_core "$l_n" "$l_cpu")"; r_core="$(per_core "$r_n" "$r_cpu")"; p_core="$(per_core "$p_n" "$p_cpu")"
echo "## 2. Generation: spans per CPU second, all exporting OTLP/gRPC to the same rotel"
echo
echo "CPU = user + system seconds of the whole process (\`/usr/bin/time -f '%U %S %e'\`), start-up included."
echo
echo "| generator | spans | CPU s | wall s | spans/s (wall) | spans per CPU s | load / this |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row() { # name n cpu wall core
    local wall_rate ratio
    wall_rate="$(awk -v n="$2" -v w="$4" 'BEGIN { printf "%.0f", n / w }')"
    ratio="$(awk -v a="$l_core" -v b="$5" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
    echo "| $1 | $2 | $3 | $4 | $wall_rate | $5 | $ratio |"
}
row "otlp-doctor load (grpc, batch 512, concurrency 4)" "$l_n" "$l_cpu" "$l_wall" "$l_core"
row "opentelemetry-rust SDK (examples/rust_sdk_load.rs)" "$r_n" "$r_cpu" "$r_wall" "$r_core"
row "OpenTelemetry Python SDK (bench/python_load.py)" "$p_n" "$p_cpu" "$p_wall" "$p_core"
echo

fi

# ------------------------------------------------------------------------------------ 3. check
if want check; then
SILENT_PORT="$(free_port)"
"$PYTHON" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
held = []
while True:
    held.append(s.accept()[0])  # accept, never answer, never close
' "$SILENT_PORT" &
PIDS+=("$!")
wait_port "$SILENT_PORT"

# Prints "mean_ms stddev_ms min_ms max_ms runs" for a command (its exit status is ignored).
wall_time() {
    local runs="$1"; shift
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style none --ignore-failure --warmup 1 --runs "$runs" --export-json "$WORK/h.json" "$*" >/dev/null 2>&1
        json_field "(lambda r: '%.0f %.0f %.0f %.0f %d' % (r['mean'] * 1e3, (r['stddev'] or 0) * 1e3, r['min'] * 1e3, r['max'] * 1e3, len(r['times'])))(d['results'][0])" <"$WORK/h.json"
    else
        local times=() start
        for _ in $(seq "$runs"); do start="$(now_ns)"; "$@" >/dev/null 2>&1 || true; times+=($(( ($(now_ns) - start) / 1000000 ))); done
        printf '%s\n' "${times[@]}" | awk '{ s += $1; q += $1 * $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
            END { m = s / NR; printf "%.0f %.0f %.0f %.0f %d\n", m, sqrt(q / NR - m * m), lo, hi, NR }'
    fi
}

log "check: wall time on healthy and silent endpoints"
TOOL="hyperfine"; command -v hyperfine >/dev/null 2>&1 || TOOL="a date +%s%N loop"
echo "## 3. check wall time ($TOOL)"
echo
echo "| endpoint | command | mean ms | ± ms | min ms | max ms | runs |"
echo "|---|---|---:|---:|---:|---:|---:|"
for cell in \
    "rotel gRPC (healthy)|$BIN check http://127.0.0.1:$ROTEL_GRPC --protocol grpc --timeout $CHECK_TIMEOUT|10" \
    "serve gRPC (healthy)|$BIN check http://127.0.0.1:$SERVE_GRPC --protocol grpc --timeout $CHECK_TIMEOUT|10" \
    "rotel OTLP/HTTP (healthy)|$BIN check http://127.0.0.1:$ROTEL_HTTP --timeout $CHECK_TIMEOUT|10" \
    "silent TCP, gRPC (never answers)|$BIN check http://127.0.0.1:$SILENT_PORT --protocol grpc --timeout $CHECK_TIMEOUT|3" \
    "silent TCP, OTLP/HTTP (never answers)|$BIN check http://127.0.0.1:$SILENT_PORT --protocol http/protobuf --timeout $CHECK_TIMEOUT|3"; do
    IFS='|' read -r name command runs <<<"$cell"
    # shellcheck disable=SC2086
    read -r mean sd lo hi n <<<"$(wall_time "$runs" $command)"
    echo "| $name | \`${command#target/release/}\` | $mean | $sd | $lo | $hi | $n |"
done
echo
echo "check timeout: $CHECK_TIMEOUT per network step."
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
fi
