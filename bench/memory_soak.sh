#!/usr/bin/env bash
# Memory soaks, run by hand (never by the tests): `otlp-doctor load` sends SPANS spans at a steady
# RATE into
#   1. serve --format json >/dev/null
#   2. serve --ui (the web view on a free port, no browser) --format json >/dev/null
#   3. proxy --format json >/dev/null in front of a serve --format json >/dev/null
# and VmRSS of the measured process is read from /proc/PID/status every second. Warm-up: the
# first WARMUP_PERCENT (10) % of the spans, that is of the run's time at a steady rate; the
# warm-up level is the median of the samples of the next 10 % (one sample swings by 10-20 % with
# the batches in flight). After warm-up: min, max, last, the median of the last 10 % (end), max /
# warm-up (the issue's target: within 1.10) and end / warm-up (drift). Results go to stdout as Markdown; every sample goes to
# SAMPLES_DIR (default: a temp folder, deleted) as CSV when SAMPLES_DIR is set.
#
# Bounded: each run stops after 2 x SPANS / RATE + 60 s whatever happens; 127.0.0.1 only.
# Needs: cargo build --release. Usage: bash bench/memory_soak.sh
#   (SPANS=10000000 RATE=100000 PROTOCOL=grpc BATCH=512 CONCURRENCY=4 WARMUP_PERCENT=10
#    CASES="serve ui proxy" SAMPLES_DIR=)
set -euo pipefail
cd "$(dirname "$0")/.."

SPANS="${SPANS:-10000000}"
RATE="${RATE:-100000}"                 # spans per second, steady (load --rate)
PROTOCOL="${PROTOCOL:-grpc}"
BATCH="${BATCH:-512}"; CONCURRENCY="${CONCURRENCY:-4}"
WARMUP_PERCENT="${WARMUP_PERCENT:-10}"
CASES="${CASES:-serve ui proxy}"       # which of the three soaks, in this order
SAMPLES_DIR="${SAMPLES_DIR:-}"

BIN="target/release/otlp-doctor"
PYTHON="${PYTHON:-python3}"
# shellcheck source=bench/common.sh
. bench/common.sh
[ -x "$BIN" ] || die "$BIN missing: run nice -n 10 cargo build --release"
bench_work
# A copy, so that a rebuild in the same tree during the soak does not change what is measured.
cp "$BIN" "$WORK/otlp-doctor"; BIN="$WORK/otlp-doctor"
if [ -n "$SAMPLES_DIR" ]; then mkdir -p "$SAMPLES_DIR"; fi

SECONDS_PLANNED=$((SPANS / RATE))
WARMUP_S=$((SECONDS_PLANNED * WARMUP_PERCENT / 100))
BOUND_S=$((2 * SECONDS_PLANNED + 60))

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# "rss_kib,wchar" of a process: VmRSS and the bytes it has written so far (serve: its NDJSON to
# /dev/null; proxy: that and the requests it forwarded), from which row() estimates how far its
# output lags behind what it was sent.
sample() { echo "$(rss_kib "$1"),$(awk '/^wchar:/ { print $2 }' "/proc/$1/io" 2>/dev/null)"; }

# Starts `serve` on free ports with extra args; sets SERVE_PID and SERVE_URL (its listener of PROTOCOL).
start_serve() {
    local grpc http
    grpc="$(free_port)"; http="$(free_port)"
    "$BIN" serve --grpc-listen "127.0.0.1:$grpc" --http-listen "127.0.0.1:$http" --format json "$@" \
        >/dev/null 2>>"$WORK/serve.err" &
    SERVE_PID=$!; PIDS+=("$SERVE_PID")
    wait_port "$grpc"; wait_port "$http"
    if [ "$PROTOCOL" = grpc ]; then SERVE_URL="http://127.0.0.1:$grpc"; else SERVE_URL="http://127.0.0.1:$http"; fi
}

# One soak: load into URL while sampling PID (and UPSTREAM_PID, when not empty). Prints table rows.
soak() {
    local label="$1" url="$2" pid="$3" upstream="${4:-}" csv="$WORK/samples.csv" load_pid started now idle
    idle="$(rss_kib "$pid")"
    log "$label: $SPANS spans at $RATE/s into $url (about ${SECONDS_PLANNED}s)"
    timeout "$BOUND_S" "$BIN" load "$url" --protocol "$PROTOCOL" --spans "$SPANS" --rate "$RATE" \
        --batch-size "$BATCH" --concurrency "$CONCURRENCY" --format json >"$WORK/load.json" 2>"$WORK/load.err" &
    load_pid=$!
    started="$EPOCHREALTIME"
    echo "seconds,rss_kib,wchar,upstream_rss_kib,upstream_wchar" >"$csv"
    while kill -0 "$load_pid" 2>/dev/null; do
        now="$(awk -v a="$EPOCHREALTIME" -v b="$started" 'BEGIN { printf "%.2f", a - b }')"
        echo "$now,$(sample "$pid"),${upstream:+$(sample "$upstream")}" >>"$csv"
        sleep 1
    done
    wait "$load_pid" || die "$label: load failed or hit the ${BOUND_S}s bound: $(tail -n 3 "$WORK/load.err")"
    sleep 2  # what the process keeps once the load has stopped
    now="$(awk -v a="$EPOCHREALTIME" -v b="$started" 'BEGIN { printf "%.2f", a - b }')"
    echo "$now,$(sample "$pid"),${upstream:+$(sample "$upstream")}" >>"$csv"
    if [ -n "$SAMPLES_DIR" ]; then cp "$csv" "$SAMPLES_DIR/$(echo "$label" | tr -c 'a-zA-Z0-9\n' '_').csv"; fi
    local sent failed rate
    sent="$(json_field "d['sent']['spans']" <"$WORK/load.json")"
    failed="$(json_field "d['failed']['requests']" <"$WORK/load.json")"
    rate="$(json_field "'%.0f' % d['spans_per_second']" <"$WORK/load.json")"
    [ "$failed" = 0 ] || log "warning: $label: $failed requests failed"
    row "$label" 2 "$idle" "$sent" "$rate" "$failed" <"$csv"
    [ -z "$upstream" ] || row "$label: the serve behind it" 4 "-" "$sent" "$rate" "$failed" <"$csv"
}

# A table row from the CSV on stdin, RSS in column COL (2: the process, 4: its upstream), its
# wchar in the next. Lag, in spans: the most, over the samples, by which what it had written (its
# share of the run's total bytes written, times the spans sent) trailed what load had sent by then
# (RATE x seconds). For serve that is the backlog of decoded batches its view has not printed yet
# (accepted and answered, waiting in its queue of 1024 batches).
row() {
    local label="$1" col="$2" idle="$3" sent="$4" rate="$5" failed="$6"
    awk -F, -v col="$col" -v w="$WARMUP_S" -v target="$RATE" -v label="$label" -v idle="$idle" -v sent="$sent" -v rate="$rate" -v failed="$failed" '
        function median(a, k,   i, j, x) {  # of a[1..k], sorted in place
            for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return k ? (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2) : 0
        }
        NR == 1 { next }
        { v = $col / 1024; if (v > peak) peak = v; t++; sec[t] = $1; wr[t] = $(col + 1) }
        $1 >= w { after[++n] = v; if (n == 1 || v < lo) lo = v; if (v > hi) hi = v; last = v }
        END {
            k = int(n / 9); if (k < 1) k = 1   # the next 10 % of the run after warm-up: n is about 90 % of it
            for (i = 1; i <= k; i++) first[i] = after[i]
            for (i = 1; i <= k; i++) tail[i] = after[n - k + i]
            level = median(first, k); end = median(tail, k)
            for (i = 1; i <= t; i++) {
                got = target * sec[i]; if (got > sent) got = sent
                lag = (wr[t] > wr[1]) ? got - (wr[i] - wr[1]) / (wr[t] - wr[1]) * sent : 0
                if (lag > maxlag) maxlag = lag
            }
            printf "| %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | **%.3f** | %.3f | %.0f | %d |\n",
                label, sent, rate, failed, (idle == "-" ? "-" : sprintf("%.1f", idle / 1024)), level, lo, hi, last, end, peak,
                (level > 0 ? hi / level : 0), (level > 0 ? end / level : 0), maxlag, n
        }'
}

echo "## Memory soak: VmRSS over $SPANS spans at $RATE spans/s"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $("$BIN" --version)"
echo "- cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); memory $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- load average at start (other work on the machine): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- \`load URL --protocol $PROTOCOL --spans $SPANS --rate $RATE --batch-size $BATCH --concurrency $CONCURRENCY\`; VmRSS every second"
echo "- warm-up: the first $WARMUP_PERCENT % of the spans (${WARMUP_S} s of ${SECONDS_PLANNED} s); warm-up level: the median of the samples of the next 10 %;"
echo "  min, max, last: from the end of warm-up on (last: 2 s after the load ended); end: the median of the last 10 %; peak: the whole run, warm-up included"
echo
echo "| process | spans sent | spans/s reached | failed requests | idle MiB | warm-up MiB | min MiB | max MiB | last MiB | end MiB | peak MiB | max / warm-up | end / warm-up | most lag, spans | samples after warm-up |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

for case in $CASES; do
    case "$case" in
        serve)
            start_serve
            soak "serve --format json >/dev/null" "$SERVE_URL" "$SERVE_PID"
            ;;
        ui)
            UI_PORT="$(free_port)"
            start_serve --ui "127.0.0.1:$UI_PORT"
            wait_port "$UI_PORT"
            soak "serve --ui --format json >/dev/null" "$SERVE_URL" "$SERVE_PID"
            ;;
        proxy)
            start_serve
            P_GRPC="$(free_port)"; P_HTTP="$(free_port)"
            "$BIN" proxy --upstream "$SERVE_URL" --grpc-listen "127.0.0.1:$P_GRPC" --http-listen "127.0.0.1:$P_HTTP" \
                --format json >/dev/null 2>"$WORK/proxy.err" &
            PROXY_PID=$!; PIDS+=("$PROXY_PID")
            wait_port "$P_GRPC"; wait_port "$P_HTTP"
            if [ "$PROTOCOL" = grpc ]; then PROXY_URL="http://127.0.0.1:$P_GRPC"; else PROXY_URL="http://127.0.0.1:$P_HTTP"; fi
            soak "proxy --format json >/dev/null" "$PROXY_URL" "$PROXY_PID" "$SERVE_PID"
            kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
            ;;
        *) die "unknown case $case in CASES (serve, ui, proxy)" ;;
    esac
    kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
done
echo
