# Sourced by scripts/peers/*.sh after setting PEER (the name in log lines).
# Gives: ROOT (the checkout), CACHE (where built peers go, outside git), log, die, find_go.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}"

log() { printf 'peers/%s: %s\n' "$PEER" "$*" >&2; }
die() { printf 'peers/%s: ERROR: %s\n' "$PEER" "$*" >&2; exit 1; }

# Sets GO to the machine's Go toolchain.
find_go() {
    GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
    [ -x "$GO" ] || die "no Go toolchain (looked for go on PATH and /usr/local/go/bin/go)"
}
