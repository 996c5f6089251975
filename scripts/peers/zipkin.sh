#!/usr/bin/env bash
# Fetches and builds the real Zipkin that `cargo test --test it backend` runs against on 127.0.0.1:
#   - Zipkin's server, the exec jar io.zipkin:zipkin-server (Maven Central, `mvn dependency:get`),
#     run with `java -jar` (Java 17+) and in-memory storage;
#   - otelcol-zipkin, the smallest OpenTelemetry Collector with the otlp receiver and the zipkin
#     exporter (Go module tests/peers/otelcol-zipkin), since Zipkin's server speaks no OTLP.
# Output, outside git: ${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/zipkin-<v>/zipkin.jar
# and .../otelcol-zipkin-<v>/otelcol-zipkin. Idempotent: what is already there is left alone.
# Usage: bash scripts/peers/zipkin.sh
set -euo pipefail

ZIPKIN_VERSION="3.5.1"
RELAY_VERSION="0.139.0"
PEER=zipkin
# shellcheck source=scripts/peers/common.sh
. "$(dirname "$0")/common.sh"
RELAY_MODULE="$ROOT/tests/peers/otelcol-zipkin"
JAR="$CACHE/zipkin-$ZIPKIN_VERSION/zipkin.jar"
RELAY="$CACHE/otelcol-zipkin-$RELAY_VERSION/otelcol-zipkin"

log "step: check java (Zipkin 3 needs Java 17+)"
command -v java >/dev/null 2>&1 || die "no java on PATH (apt-get install openjdk-17-jre-headless)"
JAVA_MAJOR="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
[ "${JAVA_MAJOR:-0}" -ge 17 ] || die "java is version ${JAVA_MAJOR:-unknown}; Zipkin $ZIPKIN_VERSION needs 17+"

log "step: zipkin server jar at $JAR"
if [ -s "$JAR" ] && unzip -tq "$JAR" >/dev/null 2>&1; then
    log "already there: $JAR"
else
    command -v mvn >/dev/null 2>&1 || die "no mvn on PATH (apt-get install maven)"
    log "step: mvn dependency:get io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec"
    M2_JAR="$HOME/.m2/repository/io/zipkin/zipkin-server/$ZIPKIN_VERSION/zipkin-server-$ZIPKIN_VERSION-exec.jar"
    nice -n 10 mvn -q -B dependency:get -Dtransitive=false \
        -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" >&2 || die "mvn dependency:get failed"
    [ -s "$M2_JAR" ] || die "mvn reported success but $M2_JAR is missing"
    mkdir -p "$(dirname "$JAR")"
    cp -f "$M2_JAR" "$JAR.partial.$$"
    mv -f "$JAR.partial.$$" "$JAR"
fi

log "step: otelcol-zipkin at $RELAY"
# The binary is keyed by its sources too, so an edit to the module rebuilds it.
SOURCES_SUM="$(cd "$RELAY_MODULE" && cat go.mod go.sum main.go | sha256sum | cut -d' ' -f1)"
SUM_FILE="$(dirname "$RELAY")/sources.sha256"
if [ -x "$RELAY" ] && [ "$(cat "$SUM_FILE" 2>/dev/null)" = "$SOURCES_SUM" ] \
    && "$RELAY" --version >/dev/null 2>&1; then
    log "already built: $RELAY"
else
    find_go
    log "step: build otelcol-zipkin (go build in tests/peers/otelcol-zipkin)"
    mkdir -p "$(dirname "$RELAY")"
    TMP_BIN="$RELAY.partial.$$"
    trap 'rm -f "$TMP_BIN"' EXIT
    (cd "$RELAY_MODULE" && nice -n 10 "$GO" mod download && nice -n 10 "$GO" build -trimpath -o "$TMP_BIN" .) \
        || die "go build of otelcol-zipkin failed"
    log "step: smoke (otelcol-zipkin validate on a minimal config)"
    SMOKE_CONFIG="$(mktemp)"
    printf '%s\n' 'receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}' \
        'exporters: {zipkin: {endpoint: "http://127.0.0.1:9411/api/v2/spans"}}' \
        'service: {pipelines: {traces: {receivers: [otlp], exporters: [zipkin]}}}' >"$SMOKE_CONFIG"
    "$TMP_BIN" validate --config "$SMOKE_CONFIG" >&2 || { rm -f "$SMOKE_CONFIG"; die "otelcol-zipkin rejects a minimal config"; }
    rm -f "$SMOKE_CONFIG"
    mv -f "$TMP_BIN" "$RELAY"
    echo "$SOURCES_SUM" >"$SUM_FILE"
fi

log "ready: $JAR, $RELAY"
