#!/usr/bin/env bash
# Bounded fuzzing of every parser (fuzz/fuzz_targets/, entry points in src/fuzzing.rs): builds
# all targets once with cargo-fuzz (release, debug assertions on), then runs each for
# FUZZ_SECONDS from a temporary copy of its committed corpus (fuzz/corpus/<target>/), so the
# tree is not modified. Any crash, hang or out-of-memory fails the script; the input is kept
# under fuzz/artifacts/<target>/ (ignored by git) and the command that replays it is printed.
#
# Needs: the nightly toolchain (`rustup toolchain install nightly`); cargo-fuzz is installed
# with `cargo install cargo-fuzz --locked` when missing.
# Usage: bash scripts/fuzz.sh [TARGET ...]       (default: every target)
#   FUZZ_SECONDS=30       time per target (libFuzzer -max_total_time)
#   FUZZ_SANITIZER=address  address (default) or none
#   FUZZ_TIMEOUT=10       seconds one input may take before it counts as a hang
#   FUZZ_RSS_LIMIT_MB=2048  memory a target may use before it counts as a crash
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-address}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"
FUZZ_RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"

log() { printf 'fuzz: %s\n' "$*" >&2; }
die() { printf 'fuzz: ERROR: %s\n' "$*" >&2; exit 1; }

cargo +nightly --version >/dev/null 2>&1 \
    || die "the nightly toolchain is missing: rustup toolchain install nightly"
if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz with cargo install cargo-fuzz --locked"
    cargo install cargo-fuzz --locked || die "cargo install cargo-fuzz --locked failed"
fi

BUILD_FLAGS=(--release --debug-assertions --sanitizer "$FUZZ_SANITIZER")
if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi
[ "${#TARGETS[@]}" -gt 0 ] || die "no fuzz target found in fuzz/Cargo.toml"

started=$SECONDS
log "building every target (sanitizer $FUZZ_SANITIZER)"
nice -n 10 cargo +nightly fuzz build "${BUILD_FLAGS[@]}" \
    || die "cargo +nightly fuzz build failed"
log "built in $((SECONDS - started)) s"

HOST="$(rustc +nightly -vV | sed -n 's/^host: //p')"
BIN_DIR="target/$HOST/release"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

failed=()
for target in "${TARGETS[@]}"; do
    [ -x "$BIN_DIR/$target" ] || die "no binary $BIN_DIR/$target: is $target in fuzz/Cargo.toml?"
    corpus="$WORK/$target/corpus"
    artifacts="$PWD/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "corpus/$target" ]; then cp -R "corpus/$target/." "$corpus/"; fi
    before="$(find "$artifacts" -type f | wc -l)"
    run_log="$WORK/$target/run.log"
    status=0
    "$BIN_DIR/$target" "$corpus" \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb="$FUZZ_RSS_LIMIT_MB" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$run_log" 2>&1 || status=$?
    # The last status line: `#N DONE cov: C ft: F corp: ...`, then the final stats.
    done_line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$run_log" | tail -1 || true)"
    stat() { sed -n "s/^stat::$1: *//p" "$run_log" | tail -1; }
    printf 'fuzz: %-18s %s execs, %s exec/s, cov %s, ft %s, corpus %s, peak rss %s MB\n' \
        "$target" "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" \
        "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(stat peak_rss_mb)" >&2
    after="$(find "$artifacts" -type f | wc -l)"
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        failed+=("$target")
        # The panic message and libFuzzer's summary, without the stack frames.
        grep -v -E '^ +(#[0-9]+ |[0-9]+: |at )' "$run_log" | grep -v -E '^#[0-9]+' | tail -25 >&2
        newest="$(ls -t "$artifacts" 2>/dev/null | head -1)"
        if [ -n "$newest" ]; then
            log "$target failed (exit $status); input: fuzz/artifacts/$target/$newest"
            log "replay: (cd fuzz && cargo +nightly fuzz run ${BUILD_FLAGS[*]} $target artifacts/$target/$newest)"
        else
            log "$target failed (exit $status) without an artifact; log above"
        fi
    fi
done

log "ran ${#TARGETS[@]} targets for ${FUZZ_SECONDS} s each; $((SECONDS - started)) s in all"
if [ "${#failed[@]}" -gt 0 ]; then
    die "crashes in: ${failed[*]}; add each input as a replay test in src/fuzzing.rs and fix it"
fi
