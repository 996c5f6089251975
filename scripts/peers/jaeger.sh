#!/usr/bin/env bash
# Builds the real Jaeger v2 that `cargo test --test it backend` runs against on 127.0.0.1.
# Source: the Go module github.com/jaegertracing/jaeger (cmd/jaeger), pinned by the tool
# directive in tests/peers/jaeger/go.mod (+ go.sum), built with the machine's Go.
# Output: ${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/jaeger-<version>/jaeger,
# outside git. Idempotent: a binary already there that answers `version` is left alone.
# Usage: bash scripts/peers/jaeger.sh   (prints the binary's path on stdout)
set -euo pipefail

JAEGER_VERSION="1.75.0"
PEER=jaeger
# shellcheck source=scripts/peers/common.sh
. "$(dirname "$0")/common.sh"
MODULE_DIR="$ROOT/tests/peers/jaeger"
OUT_DIR="$CACHE/jaeger-$JAEGER_VERSION"
BIN="$OUT_DIR/jaeger"

log "step: find go"
find_go

log "step: check the pin (tests/peers/jaeger/go.mod names jaeger v$JAEGER_VERSION)"
grep -q "github.com/jaegertracing/jaeger v$JAEGER_VERSION\b" "$MODULE_DIR/go.mod" \
    || die "$MODULE_DIR/go.mod does not require github.com/jaegertracing/jaeger v$JAEGER_VERSION"

log "step: look for a built binary at $BIN"
if [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1; then
    log "already built: $BIN"
    echo "$BIN"
    exit 0
fi

log "step: download modules (go mod download, verified against go.sum)"
mkdir -p "$OUT_DIR"
(cd "$MODULE_DIR" && nice -n 10 "$GO" mod download) || die "go mod download failed"

log "step: build (go build github.com/jaegertracing/jaeger/cmd/jaeger; several minutes cold)"
# Build to a temporary name and rename, so an interrupted build never leaves a binary that
# the check above would take for a finished one.
TMP_BIN="$OUT_DIR/jaeger.partial.$$"
trap 'rm -f "$TMP_BIN"' EXIT
(cd "$MODULE_DIR" && nice -n 10 "$GO" build -trimpath -o "$TMP_BIN" github.com/jaegertracing/jaeger/cmd/jaeger) \
    || die "go build failed"
mv -f "$TMP_BIN" "$BIN"

log "step: smoke (jaeger version)"
"$BIN" version >/dev/null 2>&1 || die "$BIN does not run"
log "built: $BIN"
echo "$BIN"
