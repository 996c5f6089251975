#!/usr/bin/env bash
# Builds the real OpenTelemetry Collector that `cargo test --test it` runs against
# (tests/peers/otelcol: core v0.165.0, stable modules v1.71.0, contrib v0.165.1) into a cache
# outside git, keyed by the core version and a hash of go.mod, go.sum and main.go:
#   ${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/otelcol-0.165.0/otelcol-doctor
#
# Idempotent: a binary built from the same sources is left alone (a second run takes about a
# second). Needs: go (1.26+) and the Go module proxy. Usage: bash scripts/peers/otelcol.sh
# Prints the binary's path on stdout.
set -euo pipefail

OTELCOL_VERSION="0.165.0"

log() { printf 'peers/otelcol: %s\n' "$*" >&2; }
die() { printf 'peers/otelcol: ERROR: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$ROOT/tests/peers/otelcol"
PEERS="${OTLP_DOCTOR_PEERS:-${HOME:-/root}/.cache/otlp-doctor/peers}"
OUT_DIR="$PEERS/otelcol-$OTELCOL_VERSION"
BIN="$OUT_DIR/otelcol-doctor"
STAMP="$OUT_DIR/sources.sha256"

log "step: find go"
GO="${GO:-}"
if [ -z "$GO" ]; then
    if command -v go >/dev/null 2>&1; then GO="$(command -v go)";
    elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go;
    else die "go not found (install Go 1.26+ or set GO=/path/to/go)"; fi
fi
log "using $("$GO" version)"

log "step: hash sources"
want="$(cd "$SRC" && cat go.mod go.sum main.go | sha256sum | cut -d' ' -f1)"
if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
    && "$BIN" --version 2>/dev/null | grep -q "version $OTELCOL_VERSION"; then
    log "step: up to date ($BIN)"
    echo "$BIN"
    exit 0
fi

mkdir -p "$OUT_DIR"
cd "$SRC"
log "step: download modules (go mod download)"
nice -n 10 "$GO" mod download || die "go mod download failed"
log "step: verify go.sum (go mod verify)"
nice -n 10 "$GO" mod verify >/dev/null || die "go mod verify failed"
log "step: build (go build; a cold build takes several minutes on 2 cores)"
tmp="$BIN.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# -mod=readonly: the committed go.mod/go.sum are the truth, never rewritten by a build.
nice -n 10 "$GO" build -mod=readonly -buildvcs=false -trimpath -ldflags="-s -w" -o "$tmp" . || die "go build failed"
log "step: smoke test (--version)"
"$tmp" --version | grep -q "version $OTELCOL_VERSION" || die "built binary does not report version $OTELCOL_VERSION"
mv -f "$tmp" "$BIN"
echo "$want" >"$STAMP"
log "step: done ($BIN)"
echo "$BIN"
