#!/usr/bin/env bash
# Builds telemetrygen (cmd/telemetrygen of opentelemetry-collector-contrib), the Collector
# project's load generator, which bench/generation.sh compares `otlp-doctor load` with. Nothing of
# it is in git: `go install MODULE@VERSION` builds it from the Go module proxy with the module's
# own go.mod and go.sum, into a cache outside git:
#   ${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/telemetrygen-<v>/telemetrygen
#
# The version: the real peers (tests/peers/otelcol) use contrib v0.165.1, but the Go module proxy
# here refuses cmd/telemetrygen@v0.165.1 ("403 This module version is not available"); the newest
# version of that module it serves is v0.161.0 (go list -m -versions, 2026-12-07), built on the
# Go SDK v1.46.0. TELEMETRYGEN_VERSION=... overrides it.
#
# Idempotent: a binary of the same version is left alone (a second run takes well under a second).
# Needs: go (1.26+) and the Go module proxy. Usage: bash scripts/peers/telemetrygen.sh
# Prints the binary's path on stdout.
set -euo pipefail

TELEMETRYGEN_VERSION="${TELEMETRYGEN_VERSION:-v0.161.0}"
MODULE="github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen"
PEER=telemetrygen
# shellcheck source=scripts/peers/common.sh
. "$(dirname "$0")/common.sh"
OUT_DIR="$CACHE/telemetrygen-${TELEMETRYGEN_VERSION#v}"
BIN="$OUT_DIR/telemetrygen"
STAMP="$OUT_DIR/module.version"

smoke() { "$1" traces --help 2>&1 | grep -q -- '--otlp-insecure'; }

if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$MODULE@$TELEMETRYGEN_VERSION" ] && smoke "$BIN"; then
    log "up to date ($BIN)"
    echo "$BIN"
    exit 0
fi

find_go
log "using $("$GO" version)"
log "step: go install $MODULE@$TELEMETRYGEN_VERSION (a cold build takes about a minute on 2 cores)"
mkdir -p "$OUT_DIR"
GOBIN_TMP="$(mktemp -d "$OUT_DIR/build.XXXXXX")"
trap 'rm -rf "$GOBIN_TMP"' EXIT
# Outside any module, so no go.mod of this checkout is read or written.
(cd "$GOBIN_TMP" && GOBIN="$GOBIN_TMP" GOFLAGS=-buildvcs=false nice -n 10 "$GO" install -trimpath -ldflags="-s -w" \
    "$MODULE@$TELEMETRYGEN_VERSION") || die "go install $MODULE@$TELEMETRYGEN_VERSION failed"
log "step: smoke test (telemetrygen traces --help)"
smoke "$GOBIN_TMP/telemetrygen" || die "the built telemetrygen does not answer traces --help"
mv -f "$GOBIN_TMP/telemetrygen" "$BIN"
echo "$MODULE@$TELEMETRYGEN_VERSION" >"$STAMP"
log "step: done ($BIN)"
echo "$BIN"
