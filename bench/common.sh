# Shared by the bench scripts (sourced, not run): messages, rotel-agent lookup, a work folder
# whose processes are killed on exit, ports, and reading one field of a JSON report.
# Expects PYTHON to be set.

die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'bench: %s\n' "$*" >&2; }

# rotel-agent: as tests/it/support/tools.rs finds it (override with OTLP_DOCTOR_ROTEL_AGENT).
find_rotel() {
    if [ -n "${OTLP_DOCTOR_ROTEL_AGENT:-}" ]; then echo "$OTLP_DOCTOR_ROTEL_AGENT"; return; fi
    if command -v rotel-agent >/dev/null 2>&1; then command -v rotel-agent; return; fi
    "$PYTHON" -c 'import pathlib, rotel; print(pathlib.Path(rotel.__file__).parent / "rotel-agent")' 2>/dev/null
}

# Sets ROTEL, WORK (a temp folder) and PIDS; every pid added to PIDS is killed on exit.
bench_setup() {
    ROTEL="$(find_rotel)" || true
    [ -n "$ROTEL" ] && [ -x "$ROTEL" ] || die "rotel-agent not found: run bash scripts/test-deps.sh"
    bench_work
}

# Sets WORK (a temp folder) and PIDS, as bench_setup does, for a script that needs no rotel.
bench_work() {
    WORK="$(mktemp -d /tmp/otlp-doctor-bench.XXXXXX)"
    PIDS=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
    local port="$1" deadline=$((SECONDS + 10))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || die "nothing listens on 127.0.0.1:$port"
        sleep 0.05
    done
}

json_field() { "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1], {}, {"d": d}))' "$1"; }

# CPU seconds (user + system) a process has used so far, from /proc.
cpu_seconds() {
    awk -v tck="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / tck }' "/proc/$1/stat"
}
