#!/usr/bin/env bash
# Installs the real peers that `cargo test --test it` runs against on 127.0.0.1:
#   - nginx (Debian apt)            TLS / mTLS / auth / error fronts
#   - tinyproxy (Debian apt)        an HTTP proxy for the proxy setups
#   - dnsmasq (Debian apt, dnsmasq-base)  a DNS server that answers 50 addresses for one name
#   - unshare (util-linux)          runs a check with that server as its resolver
#   - chromium, chromium-driver (Debian apt)  the browser the web view is tested in
#   - rotel (PyPI, `rotel-agent`)   a real OTLP collector (gRPC + HTTP)
#   - opentelemetry-sdk, opentelemetry-exporter-otlp (PyPI)
#   - the OpenTelemetry Collector, built from Go modules (scripts/peers/otelcol.sh)
#   - Jaeger v2 from Go modules, Zipkin from Maven Central (scripts/peers/{jaeger,zipkin}.sh)
#   - SDK clients in Go, Java, Node.js, Python and Rust (scripts/peers/sdk-clients.sh)
#   - cargo-fuzz (crates.io), which scripts/fuzz.sh runs on the nightly toolchain
#
# Idempotent: anything already present at the pinned version is left alone.
# Needs: root, apt, python3 with pip, Go, Java 17 with Maven, Node.js 20 with npm, cargo.
# Usage: bash scripts/test-deps.sh
set -euo pipefail

ROTEL_VERSION="0.0.1a15"
CARGO_FUZZ_VERSION="0.13.2"
OTEL_SDK_VERSION="1.45.2"
OTEL_EXPORTER_OTLP_VERSION="1.45.2"

log() { printf 'test-deps: %s\n' "$*" >&2; }
die() { printf 'test-deps: ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run this script as root"
else
    SUDO=""
fi

# ---------------------------------------------------------------- nginx (apt)
find_nginx() {
    if command -v nginx >/dev/null 2>&1; then command -v nginx; return 0; fi
    for p in /usr/sbin/nginx /usr/local/sbin/nginx /usr/local/nginx/sbin/nginx; do
        if [ -x "$p" ]; then echo "$p"; return 0; fi
    done
    return 1
}

if ! NGINX_BIN="$(find_nginx)"; then
    log "installing nginx with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    # `nginx` is the real package on Debian 12+ (nginx-light is a transitional
    # package there); fall back to nginx-light on releases that still split it.
    if ! $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null; then
        $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
            || die "apt-get install nginx / nginx-light failed"
    fi
    NGINX_BIN="$(find_nginx)" || die "nginx installed but binary not found"
fi
# The tests need TLS, HTTP/2 and grpc_pass.
NGINX_V="$("$NGINX_BIN" -V 2>&1)"
grep -q -- '--with-http_ssl_module' <<<"$NGINX_V" || die "$NGINX_BIN lacks http_ssl_module"
grep -q -- '--with-http_v2_module' <<<"$NGINX_V" || die "$NGINX_BIN lacks http_v2_module"
if grep -q -- '--without-http_grpc_module' <<<"$NGINX_V"; then die "$NGINX_BIN lacks http_grpc_module"; fi

# ---------------------------------------------------------------- tinyproxy (apt)
# A real HTTP proxy for the proxy setups of the SDK fidelity matrix.
if ! command -v tinyproxy >/dev/null 2>&1 && [ ! -x /usr/bin/tinyproxy ] && [ ! -x /usr/sbin/tinyproxy ]; then
    log "installing tinyproxy with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    $SUDO apt-get install -y -qq --no-install-recommends tinyproxy >/dev/null \
        || die "apt-get install tinyproxy failed"
fi
# The packaged service is not wanted: the tests start their own instances.
if command -v service >/dev/null 2>&1; then $SUDO service tinyproxy stop >/dev/null 2>&1 || true; fi

# ---------------------------------------------------------------- dnsmasq (apt)
# A real DNS server for the hostile-peer test of a name with 50 addresses; the check runs in a
# private mount namespace (unshare) whose /etc/resolv.conf points at it.
if [ ! -x /usr/sbin/dnsmasq ] && ! command -v dnsmasq >/dev/null 2>&1; then
    log "installing dnsmasq-base with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    $SUDO apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null \
        || die "apt-get install dnsmasq-base failed"
fi
command -v unshare >/dev/null 2>&1 || die "unshare missing (Debian package util-linux)"

# ---------------------------------------------------------------- chromium (apt)
# The web view of `serve --ui` and the HTML reports are tested in a real browser: Debian's
# Chromium, driven over WebDriver by its chromedriver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    log "installing chromium and chromium-driver with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
        || die "apt-get install chromium chromium-driver failed"
fi

# ---------------------------------------------------------------- python (pip)
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip is missing for $PYTHON (apt-get install python3-pip)"

# Debian's own python3 is "externally managed" (PEP 668); older pips ignore this.
export PIP_BREAK_SYSTEM_PACKAGES=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_ROOT_USER_ACTION=ignore

pip_installed_version() {
    "$PYTHON" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'
}

want=()
for spec in \
    "rotel==$ROTEL_VERSION" \
    "opentelemetry-sdk==$OTEL_SDK_VERSION" \
    "opentelemetry-exporter-otlp==$OTEL_EXPORTER_OTLP_VERSION"; do
    name="${spec%%==*}"; version="${spec##*==}"
    if [ "$(pip_installed_version "$name")" != "$version" ]; then want+=("$spec"); fi
done
if [ "${#want[@]}" -gt 0 ]; then
    log "pip installing: ${want[*]}"
    "$PYTHON" -m pip install -q "${want[@]}" || die "pip install ${want[*]} failed"
fi

# rotel ships `rotel-agent` inside the python package directory, not in bin/.
ROTEL_AGENT="$("$PYTHON" -c 'import pathlib, rotel; print(pathlib.Path(rotel.__file__).parent / "rotel-agent")')" \
    || die "python cannot import rotel"
[ -f "$ROTEL_AGENT" ] || die "rotel-agent not found at $ROTEL_AGENT"
[ -x "$ROTEL_AGENT" ] || chmod +x "$ROTEL_AGENT"
"$ROTEL_AGENT" --version >/dev/null 2>&1 || die "$ROTEL_AGENT does not run"

echo "nginx:       $NGINX_BIN ($("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'))"
echo "rotel-agent: $ROTEL_AGENT ($("$ROTEL_AGENT" --version 2>&1))"

# ---------------------------------------------------------------- peers built from source
# Each script builds into a cache outside git, keyed by version
# (${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}); a second run takes seconds.
# docs/peers.md lists each peer, its version, how it is built and which tests use it.
PEERS="$(dirname "${BASH_SOURCE[0]}")/peers"
OTELCOL_BIN="$(bash "$PEERS/otelcol.sh")" || die "scripts/peers/otelcol.sh failed"
echo "otelcol:     $OTELCOL_BIN"
bash "$PEERS/jaeger.sh" >/dev/null || die "scripts/peers/jaeger.sh failed"
bash "$PEERS/zipkin.sh" || die "scripts/peers/zipkin.sh failed"
bash "$PEERS/sdk-clients.sh" || die "scripts/peers/sdk-clients.sh failed"

# ---------------------------------------------------------------- cargo-fuzz (crates.io)
# The bounded fuzzing of scripts/fuzz.sh; it needs the nightly toolchain, which it checks itself.
if [ "$(cargo fuzz --version 2>/dev/null | sed -n 's/^cargo-fuzz //p')" != "$CARGO_FUZZ_VERSION" ]; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION with cargo install"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked \
        || die "cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION --locked failed"
fi
echo "cargo-fuzz:  $(cargo fuzz --version)"
