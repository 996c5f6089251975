#!/usr/bin/env bash
# Builds the real OpenTelemetry SDK clients under tests/sdk-clients/ into a cache outside git,
# one folder per language keyed by the SDK version and a hash of that client's sources:
#   ${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/sdk-clients/<lang>-<version>-<hash>/
# and points <lang> (a symlink beside it) at the current one; the tests run <lang>/run.
#   go      go.opentelemetry.io/otel 1.47.0            (go build)
#   java    io.opentelemetry 1.68.0 + autoconfigure    (mvn package + dependency:copy-dependencies)
#   node    @opentelemetry/sdk-node 0.223.0            (npm ci from package-lock.json)
#   rust    opentelemetry-otlp 0.33.1                  (cargo build --release --locked)
#   python  opentelemetry-sdk 1.45.2                   (installed by scripts/test-deps.sh; checked here)
# Idempotent: a folder that is complete (has its .done) is left alone, so a second run takes
# seconds. Needs go, mvn + JDK 17, node 20 + npm, cargo, python3.
# Usage: bash scripts/peers/sdk-clients.sh [go|java|node|rust|python ...]   (default: all)
set -euo pipefail

GO_OTEL_VERSION="1.47.0"
JAVA_OTEL_VERSION="1.68.0"
NODE_SDK_VERSION="0.223.0"
RUST_OTLP_VERSION="0.33.1"
PYTHON_SDK_VERSION="1.45.2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SOURCES="$ROOT/tests/sdk-clients"
CACHE="${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/sdk-clients"
NICE=(nice -n 10)

log() { printf 'sdk-clients: %s\n' "$*" >&2; }
die() { printf 'sdk-clients: ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }

# A hash of the client's own files (not of what a build leaves beside them).
source_hash() {
    (cd "$SOURCES/$1" && find . -type f \
        -not -path './node_modules/*' -not -path './target/*' -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

# Prints the folder for LANG VERSION; empty when it is already built.
start() {
    local dir="$CACHE/$1-$2-$(source_hash "$1")"
    if [ -f "$dir/.done" ]; then
        ln -sfn "$dir" "$CACHE/$1"
        log "$1: $2 up to date ($dir)"
        return 0
    fi
    rm -rf "$dir" && mkdir -p "$dir"
    printf '%s\n' "$dir"
}

finish() {
    local lang="$1" dir="$2"
    [ -x "$dir/run" ] || die "$lang: $dir/run missing after the build"
    touch "$dir/.done"
    ln -sfn "$dir" "$CACHE/$lang"
    log "$lang: built ($dir)"
}

build_go() {
    need go "install Go 1.24 or newer"
    local dir; dir="$(start go "$GO_OTEL_VERSION")"; [ -n "$dir" ] || return 0
    log "go: go build (go.opentelemetry.io/otel $GO_OTEL_VERSION)"
    (cd "$SOURCES/go" && "${NICE[@]}" go build -trimpath -o "$dir/sdk-client-go" .) || die "go: go build failed"
    printf '#!/bin/sh\nexec "%s/sdk-client-go" "$@"\n' "$dir" > "$dir/run"
    chmod +x "$dir/run"
    finish go "$dir"
}

build_java() {
    need mvn "apt-get install maven"
    need java "apt-get install openjdk-17-jdk-headless"
    local dir; dir="$(start java "$JAVA_OTEL_VERSION")"; [ -n "$dir" ] || return 0
    log "java: mvn package (io.opentelemetry $JAVA_OTEL_VERSION)"
    # Built from a copy so no target/ is left in the work tree.
    cp -r "$SOURCES/java" "$dir/src-copy"
    (cd "$dir/src-copy" && "${NICE[@]}" mvn -B -q -Dstyle.color=never package) || die "java: mvn package failed"
    mv "$dir/src-copy/target/sdk-client-java.jar" "$dir/src-copy/target/lib" "$dir/"
    rm -rf "$dir/src-copy"
    printf '#!/bin/sh\nexec java -jar "%s/sdk-client-java.jar" "$@"\n' "$dir" > "$dir/run"
    chmod +x "$dir/run"
    finish java "$dir"
}

build_node() {
    need node "apt-get install nodejs"
    need npm "apt-get install npm"
    local dir; dir="$(start node "$NODE_SDK_VERSION")"; [ -n "$dir" ] || return 0
    log "node: npm ci (@opentelemetry/sdk-node $NODE_SDK_VERSION)"
    cp "$SOURCES/node/package.json" "$SOURCES/node/package-lock.json" "$SOURCES/node/client.js" "$dir/"
    (cd "$dir" && "${NICE[@]}" npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "node: npm ci failed"
    printf '#!/bin/sh\nexec node "%s/client.js" "$@"\n' "$dir" > "$dir/run"
    chmod +x "$dir/run"
    finish node "$dir"
}

build_rust() {
    need cargo "install Rust with rustup"
    local dir; dir="$(start rust "$RUST_OTLP_VERSION")"; [ -n "$dir" ] || return 0
    log "rust: cargo build --release (opentelemetry-otlp $RUST_OTLP_VERSION)"
    # One target folder for every version keeps a rebuild after a source change short.
    (cd "$SOURCES/rust" && CARGO_TARGET_DIR="$CACHE/rust-target" "${NICE[@]}" cargo build --release --locked --quiet) \
        || die "rust: cargo build failed"
    cp "$CACHE/rust-target/release/sdk-client-rust" "$dir/"
    printf '#!/bin/sh\nexec "%s/sdk-client-rust" "$@"\n' "$dir" > "$dir/run"
    chmod +x "$dir/run"
    finish rust "$dir"
}

build_python() {
    local python="${PYTHON:-python3}"
    need "$python" "install python3"
    local dir; dir="$(start python "$PYTHON_SDK_VERSION")"; [ -n "$dir" ] || return 0
    log "python: checking opentelemetry-sdk $PYTHON_SDK_VERSION and its OTLP exporters"
    local found
    found="$(cd / && "$python" -c 'import opentelemetry.exporter.otlp.proto.grpc.trace_exporter, opentelemetry.exporter.otlp.proto.http.trace_exporter; from opentelemetry.sdk.version import __version__; print(__version__)')" \
        || die "python: the OpenTelemetry SDK or its OTLP exporters do not import: run bash scripts/test-deps.sh"
    [ "$found" = "$PYTHON_SDK_VERSION" ] || die "python: opentelemetry-sdk is $found, want $PYTHON_SDK_VERSION: run bash scripts/test-deps.sh"
    cp "$SOURCES/python/client.py" "$dir/"
    printf '#!/bin/sh\ncd / && exec "%s" "%s/client.py" "$@"\n' "$(command -v "$python")" "$dir" > "$dir/run"
    chmod +x "$dir/run"
    finish python "$dir"
}

mkdir -p "$CACHE"
languages=("$@")
[ "${#languages[@]}" -gt 0 ] || languages=(go java node rust python)
for lang in "${languages[@]}"; do
    case "$lang" in
        go|java|node|rust|python) SECONDS=0; "build_$lang"; log "$lang: ${SECONDS}s" ;;
        *) die "unknown language $lang (go, java, node, rust, python)" ;;
    esac
done
