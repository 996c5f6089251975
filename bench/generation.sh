#!/usr/bin/env bash
# Generation cost, run by hand (never by the tests): spans per CPU second of the generator alone,
# for `otlp-doctor load`, telemetrygen (the Collector project's load generator, Go SDK) and the
# opentelemetry-rust SDK (examples/rust_sdk_load.rs), all over OTLP/gRPC into the same kind of
# sink, alternated, REPEAT runs each. Results go to stdout as Markdown.
#
# The sink: a fresh `otlp-doctor serve --format json >/dev/null` for every run. It answers each
# export before it decodes it for the view, runs on its own process (its CPU is not counted), has
# no Nagle stall on gRPC (rotel's receiver has one, see docs/performance.md) and its summary line
# counts the spans that arrived, so a generator that drops spans (the Go SDK's batch processor
# drops when its queue is full) is caught: the figure is spans that arrived per CPU second.
#
# Span shape, matched as far as the generators allow (ATTRS=2 string attributes of ATTR_SIZE=13
# bytes on load's and the Rust SDK's spans, beside their integer index; telemetrygen's spans carry
# network.peer.address="1.2.3.4" and service.peer.name="telemetrygen-server|client", 7 and 19
# bytes, and come in traces of one parent and one child).
#
# Needs: cargo build --release; go (scripts/peers/telemetrygen.sh builds telemetrygen);
# /usr/bin/time. Usage: bash bench/generation.sh
#   (GEN_SPANS=2000000 REPEAT=3 LOAD_BATCH=512 LOAD_CONCURRENCY=4 TG_WORKERS=1 TG_BATCH=2048)
set -euo pipefail
cd "$(dirname "$0")/.."

GEN_SPANS="${GEN_SPANS:-2000000}"        # spans per run and generator
REPEAT="${REPEAT:-3}"                    # runs per generator, in rotating order; the median is reported
ATTRS="${ATTRS:-2}"; ATTR_SIZE="${ATTR_SIZE:-13}"
LOAD_BATCH="${LOAD_BATCH:-512}"; LOAD_CONCURRENCY="${LOAD_CONCURRENCY:-4}"
TG_WORKERS="${TG_WORKERS:-1}"            # more workers only contend for the one exporter (measured: 1 is cheapest)
TG_BATCH="${TG_BATCH:-2048}"             # telemetrygen's --batch-size (default 100); 2048 was its cheapest

BIN="target/release/otlp-doctor"
RUST_SDK="target/release/examples/rust_sdk_load"
PYTHON="${PYTHON:-python3}"
# shellcheck source=bench/common.sh
. bench/common.sh

[ -x "$BIN" ] || die "$BIN missing: run cargo build --release"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
log "building the opentelemetry-rust SDK peer (cargo build --release --example rust_sdk_load)"
nice -n 10 cargo build --release --quiet --example rust_sdk_load
[ -x "$RUST_SDK" ] || die "$RUST_SDK missing"
TELEMETRYGEN="$(bash scripts/peers/telemetrygen.sh)" || die "telemetrygen could not be built"
TG_VERSION="$(cat "$(dirname "$TELEMETRYGEN")/module.version")"
bench_work
# Copies, so that a rebuild in the same tree during the runs does not change what is measured.
cp "$BIN" "$WORK/otlp-doctor"; cp "$RUST_SDK" "$WORK/rust_sdk_load"
BIN="$WORK/otlp-doctor"; RUST_SDK="$WORK/rust_sdk_load"

# One generator run into a fresh sink. Args: the generator's name, then its command, in which
# the word PORT is replaced by the sink's gRPC port. Prints "arrived cpu_s wall_s dropped".
measure() {
    local name="$1" grpc http sink arg summary="$WORK/summary.json" cmd=()
    shift
    grpc="$(free_port)"; http="$(free_port)"
    rm -f "$summary"
    "$BIN" serve --grpc-listen "127.0.0.1:$grpc" --http-listen "127.0.0.1:$http" --format json \
        2>"$WORK/sink.err" > >(tail -n 1 >"$summary") &
    sink=$!; PIDS+=("$sink")
    wait_port "$grpc"
    for arg in "$@"; do cmd+=("${arg//PORT/$grpc}"); done
    /usr/bin/time -f '%U %S %e' -o "$WORK/time" "${cmd[@]}" >"$WORK/gen.out" 2>"$WORK/gen.err" \
        || die "$name failed: $(tail -n 5 "$WORK/gen.err")"
    kill -INT "$sink"; wait "$sink" 2>/dev/null || true
    for _ in $(seq 100); do grep -q '"kind":"summary"' "$summary" 2>/dev/null && break; sleep 0.05; done
    grep -q '"kind":"summary"' "$summary" || die "the sink printed no summary after $name"
    awk '{ printf "%.2f %.2f ", $1 + $2, $3 }' "$WORK/time" >"$WORK/cpu"
    json_field "'%d %s %d' % (sum(s['spans'] for s in d['services'].values()), open('$WORK/cpu').read().strip(), d['dropped'])" <"$summary"
}

LOAD_CMD=("$BIN" load http://127.0.0.1:PORT --protocol grpc --spans "$GEN_SPANS" --batch-size "$LOAD_BATCH"
    --concurrency "$LOAD_CONCURRENCY" --attributes "$ATTRS" --attribute-size "$ATTR_SIZE" --format json)
TG_ARGS=(traces --otlp-insecure --otlp-endpoint 127.0.0.1:PORT --traces "$((GEN_SPANS / 2 / TG_WORKERS))"
    --workers "$TG_WORKERS" --rate 0 --batch-size "$TG_BATCH")
# The Go SDK reads OTEL_BSP_MAX_QUEUE_SIZE (telemetrygen sets only the batch size and timeout): a
# queue that holds every span, as the Rust SDK peer has, so that nothing is dropped.
TG_CMD=(env "OTEL_BSP_MAX_QUEUE_SIZE=$GEN_SPANS" "$TELEMETRYGEN" "${TG_ARGS[@]}")
# As shipped: the default queue of 2048 spans, which drops what the exporter cannot keep up with.
TG_DEFAULT_CMD=("$TELEMETRYGEN" "${TG_ARGS[@]}")
RUST_CMD=("$RUST_SDK" http://127.0.0.1:PORT "$GEN_SPANS" "$ATTRS" "$ATTR_SIZE")
NAMES=(load telemetrygen telemetrygen_default rust_sdk)

echo "## Generation: spans per CPU second of the generator, OTLP/gRPC into a sink that does no work for it"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "- load average at start (other work on the machine): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $("$BIN" --version); $TG_VERSION ($(go version 2>/dev/null | awk '{print $3}')); opentelemetry_sdk (Rust) $(sed -n '/^name = "opentelemetry_sdk"/{n;s/version = //p}' Cargo.lock | tr -d '"')"
echo "- $GEN_SPANS spans per run, $REPEAT runs per generator in rotating order; sink: a fresh \`otlp-doctor serve --format json >/dev/null\` per run"
echo "- CPU = user + system seconds of the generator process (\`/usr/bin/time\`), start-up and shutdown included; spans = what the sink's summary counted"
echo

declare -A RUNS=()
for round in $(seq "$REPEAT"); do
    for offset in 0 1 2 3; do
        name="${NAMES[$(((round - 1 + offset) % ${#NAMES[@]}))]}"
        log "round $round: $name"
        case "$name" in
            load) line="$(measure "$name" "${LOAD_CMD[@]}")" ;;
            telemetrygen) line="$(measure "$name" "${TG_CMD[@]}")" ;;
            telemetrygen_default) line="$(measure "$name" "${TG_DEFAULT_CMD[@]}")" ;;
            rust_sdk) line="$(measure "$name" "${RUST_CMD[@]}")" ;;
        esac
        read -r arrived cpu _ dropped <<<"$line"
        [ "$dropped" = 0 ] || log "warning: the sink's view dropped $dropped batches during $name (accepted, not counted)"
        [ "$name" = telemetrygen_default ] || [ "$arrived" = "$GEN_SPANS" ] \
            || log "warning: $name: $arrived of $GEN_SPANS spans arrived"
        RUNS[$name]+="$(awk -v n="$arrived" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }') $line"$'\n'
    done
done

# The median run (by spans per CPU second) of a generator: "per_cpu arrived cpu wall dropped".
median() { printf '%s' "${RUNS[$1]}" | sort -n | sed -n "$(((REPEAT + 1) / 2))p"; }
read -r LOAD_RATE _ <<<"$(median load)"
echo "| generator | settings | spans arrived | CPU s | wall s | spans per CPU s (median) | every run | load / this |"
echo "|---|---|---:|---:|---:|---:|---|---:|"
for name in "${NAMES[@]}"; do
    case "$name" in
        load) label="otlp-doctor load"; settings="grpc, --batch-size $LOAD_BATCH --concurrency $LOAD_CONCURRENCY --attributes $ATTRS --attribute-size $ATTR_SIZE" ;;
        telemetrygen) label="telemetrygen"; settings="--workers $TG_WORKERS --rate 0 --batch-size $TG_BATCH, OTEL_BSP_MAX_QUEUE_SIZE=$GEN_SPANS" ;;
        telemetrygen_default) label="telemetrygen, default queue"; settings="--workers $TG_WORKERS --rate 0 --batch-size $TG_BATCH (queue 2048: drops)" ;;
        rust_sdk) label="opentelemetry-rust SDK (examples/rust_sdk_load.rs)"; settings="batch 512, queue $GEN_SPANS, $ATTRS attributes of $ATTR_SIZE B" ;;
    esac
    read -r rate arrived cpu wall _ <<<"$(median "$name")"
    every="$(printf '%s' "${RUNS[$name]}" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }')"
    ratio="$(awk -v a="$LOAD_RATE" -v b="$rate" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
    echo "| $label | $settings | $arrived | $cpu | $wall | $rate | $every | $ratio |"
done
echo
echo "telemetrygen, default queue: its spans per CPU second count only the spans that arrived; it made $GEN_SPANS each run."
